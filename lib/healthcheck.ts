/**
 * The container health check: connect to the proxy, send PING, accept +PONG
 * or -NOAUTH (AUTH is on in AWS, and a NOAUTH reply proves the proxy parses
 * and answers). It never reaches the Lambda, so a Lambda outage does not get
 * healthy proxies replaced. `node -e` because the runtime image has no shell
 * tools; proxy/Dockerfile carries the same script for `docker run`.
 */
export const HEALTH_CHECK_SCRIPT =
  "const s=require('net').connect(+(process.env.PORT||6379),'127.0.0.1');" +
  "let b='';s.setTimeout(2000,()=>process.exit(1));s.on('error',()=>process.exit(1));" +
  "s.on('connect',()=>s.write('*1\\r\\n$4\\r\\nPING\\r\\n'));" +
  "s.on('data',d=>{b+=d;if(b.includes('\\r\\n'))process.exit(/^(\\+PONG|-NOAUTH)/.test(b)?0:1)})";

export const HEALTH_CHECK_COMMAND = ['CMD', 'node', '-e', HEALTH_CHECK_SCRIPT];
