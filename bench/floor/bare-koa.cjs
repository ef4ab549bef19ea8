// Reference for `npm run bench:floor`: bare Koa + @koa/router serving the same JSON as the service's /health.
'use strict';
const Koa = require('koa');
const Router = require('@koa/router');

const app = new Koa();
const router = new Router();
router.get('/health', (ctx) => {
  ctx.body = { status: 'ok' };
});
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1');

// Exit cleanly on SIGTERM (the bench stops servers so; a profiler writes its profile on exit).
process.on('SIGTERM', () => process.exit(0));
