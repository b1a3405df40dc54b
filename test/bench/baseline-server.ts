// The baseline of `npm run bench:commit`: the least an HTTP commit can cost here — Express,
// a JSON body, one INSERT into PostgreSQL, a JSON answer. No session, no validation.
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();
app.use(express.json({ limit: '4mb' }));
app.post('/commit', async (req, res) => {
  await pool.query('INSERT INTO bench_baseline (body) VALUES ($1)', [req.body]);
  res.json({ result: 'true', errorCode: 0 });
});
const port = Number(process.env.PORT ?? 3999);
app.listen(port, '127.0.0.1', () => console.log(`baseline listening on ${port}`));
