const { connect } = require('nats');
(async () => {
const nc = await connect({ servers: '127.0.0.1:4222' });
const subject = process.argv[2];
const enc = new TextEncoder().encode('{}');
let next = 0; const total = 40000;
const t0 = performance.now();
await Promise.all(Array.from({ length: 64 }, async () => { while (next++ < total) await nc.request(subject, enc, { timeout: 10000 }); }));
console.log('per second', Math.round(total / ((performance.now() - t0) / 1000)));
await nc.close();
})();
