// The reference for discovery and JWKS: a bare fastify answering a small JSON
// document. Started by `npm run bench` as its own process; not a service.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => 'ok');
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.HELLO_PORT) });
