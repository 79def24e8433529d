/** Lua scripting: EVAL, EVAL_RO and SCRIPT LOAD (EVALSHA and the script cache are the proxy's). */
import type { Command } from '../types';
import { evalCommand, evalRo } from './eval';
import { script } from './script';

export const SCRIPTING_COMMANDS: readonly Command[] = [evalCommand, evalRo, script];
