/** The checker's public surface, for the workload and other tests. */
export { HistoryRecorder, classifyError, describeInput, describeOutput } from './history';
export type { Applied, History, OpHandle, OpInput, OpOutput, Operation } from './history';
export { check, isDropped, isOpen } from './check';
export type { CheckOptions, CheckResult, KeyResult, KeyViolation, Verdict } from './check';
export { formatReport, formatViolation, writeReport } from './report';
