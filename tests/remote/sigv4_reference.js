// Signs each request of a JSON list with the AWS SDK's reference signer
// (@smithy/signature-v4 as the S3 client configures it: applyChecksum, no
// double path escaping) and prints the Authorization headers as a JSON list.
// Usage: node sigv4_reference.js CASES.json
'use strict';
const fs = require('fs');
const path = require('path');
const { SignatureV4 } = require(path.join(__dirname, 'node_modules', '@smithy', 'signature-v4'));
const { Sha256 } = require(path.join(__dirname, 'node_modules', '@aws-crypto', 'sha256-js'));

function parseDate(amz) {
  // YYYYMMDDTHHMMSSZ
  return new Date(Date.UTC(+amz.slice(0, 4), +amz.slice(4, 6) - 1, +amz.slice(6, 8),
    +amz.slice(9, 11), +amz.slice(11, 13), +amz.slice(13, 15)));
}

async function main() {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = [];
  for (const c of cases) {
    const signer = new SignatureV4({
      service: 's3',
      region: c.region,
      credentials: {
        accessKeyId: c.access_key,
        secretAccessKey: c.secret_key,
        ...(c.session_token ? { sessionToken: c.session_token } : {}),
      },
      sha256: Sha256,
      applyChecksum: true,
      uriEscapePath: false,
    });
    const headers = { host: c.host };
    for (const [k, v] of c.headers) headers[k] = v;
    if (c.payload_hash) headers['x-amz-content-sha256'] = c.payload_hash;
    const request = {
      method: c.method,
      protocol: 'http:',
      hostname: c.host.split(':')[0],
      path: c.path,
      query: c.query,
      headers,
      body: c.body === undefined ? undefined : Buffer.from(c.body, 'utf8'),
    };
    const signed = await signer.sign(request, { signingDate: parseDate(c.amz_date) });
    out.push(signed.headers['authorization']);
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
