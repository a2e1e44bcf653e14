// An S3-compatible server (npm's s3rver) on 127.0.0.1 for the remote tests.
// s3rver checks the access key but not SigV4 signatures, so every request is
// first checked here with the AWS SDK's reference signer (@smithy/signature-v4):
// a request whose signature differs is answered 403 SignatureDoesNotMatch.
// Usage: node s3_server.js DATA_DIR BUCKET...   Prints "PORT <n>" once listening;
// exits when its standard input closes (the test ended or died) or after 300 s.
'use strict';
const path = require('path');
const S3rver = require(path.join(__dirname, 'node_modules', 's3rver'));
const { SignatureV4 } = require(path.join(__dirname, 'node_modules', '@smithy', 'signature-v4'));
const { Sha256 } = require(path.join(__dirname, 'node_modules', '@aws-crypto', 'sha256-js'));
const SECRET = 'S3RVER';

function amzDate(text) {
  return new Date(Date.UTC(+text.slice(0, 4), +text.slice(4, 6) - 1, +text.slice(6, 8),
    +text.slice(9, 11), +text.slice(11, 13), +text.slice(13, 15)));
}

async function checkSignature(ctx, next) {
  const auth = ctx.get('authorization');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return next();  // unsigned: s3rver answers it (AccessDenied)
  const [, accessKeyId, , region, signedHeaders, signature] = m;
  const headers = {};
  for (const name of signedHeaders.split(';')) headers[name] = ctx.get(name);
  const [rawPath, rawQuery = ''] = ctx.req.url.split('?');
  const query = {};
  for (const item of rawQuery.split('&').filter((x) => x)) {
    const eq = item.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? item : item.slice(0, eq));
    query[k] = eq < 0 ? '' : decodeURIComponent(item.slice(eq + 1));
  }
  const signer = new SignatureV4({
    service: 's3', region, sha256: Sha256, applyChecksum: true, uriEscapePath: false,
    credentials: { accessKeyId, secretAccessKey: SECRET,
      ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}) },
  });
  const signed = await signer.sign({ method: ctx.method, protocol: 'http:', hostname: '127.0.0.1',
    path: rawPath, query, headers }, { signingDate: amzDate(ctx.get('x-amz-date')) });
  if (signed.headers['authorization'] !== auth) {
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>' +
      '<Message>The request signature we calculated does not match the signature you provided.</Message></Error>';
    return undefined;
  }
  return next();
}
const [dir, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: buckets.map((name) => ({ name })),
});
// Before s3rver's own middleware (Koa composes the list when the server starts).
server.middleware.unshift(checkSignature);
server.run().then(({ port }) => {
  process.stdout.write(`PORT ${port}\n`);
});
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
setTimeout(stop, 300 * 1000).unref();
