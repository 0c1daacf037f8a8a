// The benchmark's ceilings: a bare Fastify 5 server, started like the emulator (--port 0, LOG_LEVEL), that answers
// what the emulator answers without auth, validation or a database. The emulator's figures are read as ratios to
//   (a) GET  /hello                              a hello-world JSON
//   (b) POST /v1/Flows/{FlowSid}/Executions      parses the same create form (To, From, Parameters) and answers an
//                                                execution-sized JSON built in memory
//   (c) GET  /v1/Flows/{FlowSid}/Executions      a page of 50 executions built from in-memory records, JSON.stringify
import { randomBytes } from 'node:crypto'
import formbody from '@fastify/formbody'
import Fastify from 'fastify'

const args = process.argv.slice(2)
const flag = (name: string) => { const i = args.indexOf(`--${name}`); return i === -1 ? undefined : args[i + 1] }
const port = Number(flag('port') ?? process.env.PORT ?? 0)
const host = flag('host') ?? '127.0.0.1'
const level = process.env.LOG_LEVEL ?? 'warn'

const ACCOUNT = 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const hex32 = () => randomBytes(16).toString('hex')
const twilioDate = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z'

interface Rec { id: number, sid: string, flowSid: string, contactSid: string, to: string, status: string, created: number, updated: number }

// In-memory records, newest first, that page (c) is built from.
const FLOW = 'FW' + hex32()
const records: Rec[] = Array.from({ length: 1000 }, (_, i) => ({
  id: 1000 - i,
  sid: 'FN' + hex32(),
  flowSid: FLOW,
  contactSid: 'FC' + hex32(),
  to: `+1555${String(i).padStart(7, '0')}`,
  status: 'ended',
  created: Date.UTC(2025, 0, 1) + (1000 - i) * 2000,
  updated: Date.UTC(2025, 0, 1) + (1000 - i) * 2000 + 1500
}))

function resource (r: Rec, base: string) {
  const url = `${base}/v1/Flows/${r.flowSid}/Executions/${r.sid}`
  return {
    sid: r.sid,
    account_sid: ACCOUNT,
    flow_sid: r.flowSid,
    contact_sid: r.contactSid,
    contact_channel_address: r.to,
    context: {},
    status: r.status,
    date_created: twilioDate(r.created),
    date_updated: twilioDate(r.updated),
    url,
    links: { steps: `${url}/Steps`, execution_context: `${url}/Context` }
  }
}

const app = Fastify({ logger: { level } })
await app.register(formbody)

app.get('/hello', async () => ({ hello: 'world' }))

app.post<{ Params: { FlowSid: string }, Body: { To?: string, From?: string, Parameters?: string } }>(
  '/v1/Flows/:FlowSid/Executions', async (request, reply) => {
    const { To, From, Parameters } = request.body
    if (typeof To !== 'string' || typeof From !== 'string') return await reply.code(400).send({ message: 'To and From are required' })
    const parameters: unknown = Parameters === undefined ? {} : JSON.parse(Parameters)
    if (parameters === null || typeof parameters !== 'object') return await reply.code(400).send({ message: 'bad Parameters' })
    const now = Date.now()
    return resource({ id: 0, sid: 'FN' + hex32(), flowSid: request.params.FlowSid, contactSid: 'FC' + hex32(), to: To, status: 'active', created: now, updated: now }, `http://${request.headers.host ?? host}`)
  })

let offset = 0
app.get<{ Params: { FlowSid: string } }>('/v1/Flows/:FlowSid/Executions', async (request, reply) => {
  const base = `http://${request.headers.host ?? host}`
  offset = (offset + 50) % (records.length - 50)
  const page = records.slice(offset, offset + 50)
  const list = `${base}/v1/Flows/${FLOW}/Executions`
  const last = page[page.length - 1] as Rec
  const token = 'PA' + Buffer.from(JSON.stringify([last.created, last.id])).toString('base64url')
  const body = {
    executions: page.map(r => resource(r, base)),
    meta: {
      page: 0,
      page_size: 50,
      first_page_url: `${list}?PageSize=50&Page=0`,
      previous_page_url: null,
      next_page_url: `${list}?PageSize=50&Page=1&PageToken=${token}`,
      url: `${list}?PageSize=50&Page=0`,
      key: 'executions'
    }
  }
  return await reply.type('application/json; charset=utf-8').send(JSON.stringify(body))
})

const shutdown = () => { app.close().then(() => process.exit(0), () => process.exit(1)) }
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

await app.listen({ port, host })
const address = app.server.address()
app.log.info({ url: `http://${host}:${typeof address === 'object' && address !== null ? address.port : port}` }, 'ceiling server listening')
