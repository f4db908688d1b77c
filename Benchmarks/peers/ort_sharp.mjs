// The onnxruntime-node + sharp peer: sharp decodes and resizes, JavaScript crops and normalizes into an NCHW
// float batch, onnxruntime-node runs it. Benchmarks/peers/run.sh calls it with the model card's preprocessing:
//   node Benchmarks/peers/ort_sharp.mjs --model M.onnx --images DIR --resolution 256 --resize-size 284
//     [--kernel cubic] [--mean 0.485,0.456,0.406] [--std 0.229,0.224,0.225] [--batch 32] [--threads 2]
//     [--decode-workers 2] [--exact-shrink] [--limit N] [--decode-only]
// --decode-only times sharp's decode + resize alone over all photos (no model, no crop, no normalization).
// Decoding of batch k+1 overlaps the model run of batch k (both are asynchronous), the idiomatic way to write
// it in Node. sharp runs one libvips thread per image (sharp.concurrency(1)) and as many images at once as the
// libuv pool has threads; the pool gets decode-workers + 1 threads, one more because onnxruntime-node's run
// occupies a pool thread while it waits. sharp's JPEG shrink-on-load stays at its default (fast) unless
// --exact-shrink is given. The first batch runs once untimed; the last line printed is a JSON object.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = parseArgs(process.argv.slice(2));
const decodeWorkers = int(args['decode-workers'] ?? '2');
// Must be set before the first asynchronous call creates the pool.
process.env.UV_THREADPOOL_SIZE = String(decodeWorkers + 1);

const require = createRequire(import.meta.url);
const sharp = require('sharp');
const ort = require('onnxruntime-node');

const resolution = int(args.resolution);
const resizeSize = int(args['resize-size']);
const batch = int(args.batch ?? '32');
const threads = int(args.threads ?? '2');
const kernel = args.kernel ?? 'cubic';
const mean = (args.mean ?? '0.485,0.456,0.406').split(',').map(Number);
const std = (args.std ?? '0.229,0.224,0.225').split(',').map(Number);
const fastShrinkOnLoad = !('exact-shrink' in args);
const limit = int(args.limit ?? '0');

sharp.cache(false);
sharp.concurrency(1);

let files = readdirSync(args.images).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => path.join(args.images, f));
if (limit > 0) files = files.slice(0, limit);

const session = await ort.InferenceSession.create(args.model, {
  intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
});
const inputName = session.inputNames[0];
const plane = resolution * resolution;
// x_norm = (x / 255 - mean) / std = x * scale + bias, per channel.
const scale = std.map((s) => 1 / (255 * s));
const bias = mean.map((m, c) => -m / std[c]);

async function loadInto(file, out, offset) {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .resize({ width: resizeSize, height: resizeSize, fit: 'outside', kernel, fastShrinkOnLoad })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = info.width, h = info.height, ch = info.channels;
  // torchvision's CenterCrop offsets: round((size - crop) / 2).
  const left = Math.round((w - resolution) / 2), top = Math.round((h - resolution) / 2);
  for (let y = 0; y < resolution; y++) {
    let src = ((y + top) * w + left) * ch;
    const row = offset + y * resolution;
    for (let x = 0; x < resolution; x++, src += ch) {
      out[row + x] = data[src] * scale[0] + bias[0];
      out[row + plane + x] = data[src + 1] * scale[1] + bias[1];
      out[row + 2 * plane + x] = data[src + 2] * scale[2] + bias[2];
    }
  }
}

async function prepare(start) {
  const chunk = files.slice(start, start + batch);
  const out = new Float32Array(chunk.length * 3 * plane);
  await Promise.all(chunk.map((f, i) => loadInto(f, out, i * 3 * plane)));
  return new ort.Tensor('float32', out, [chunk.length, 3, resolution, resolution]);
}

if ('decode-only' in args) {
  // sharp's decode + resize alone (no crop, no normalization), as many images at once as the pool has decode threads.
  const one = (f) => sharp(f).removeAlpha().toColourspace('srgb')
    .resize({ width: resizeSize, height: resizeSize, fit: 'outside', kernel, fastShrinkOnLoad }).raw().toBuffer();
  await Promise.all(files.slice(0, 16).map(one));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: decodeWorkers }, async () => {
    while (next < files.length) await one(files[next++]);
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ images: files.length, seconds: secs, vmhwm_kb: vmhwm(), cpu_seconds: cpuSeconds(cpu0),
    note: `sharp ${sharp.versions.sharp ?? ''} decode + ${kernel} resize, ${decodeWorkers} workers, fastShrinkOnLoad ${fastShrinkOnLoad}` }));
  process.exit(0);
}

// Warm-up on the first batch.
await session.run({ [inputName]: await prepare(0) });

const cpuStarted = process.cpuUsage();
const started = process.hrtime.bigint();
let count = 0;
let next = prepare(0);
for (let start = 0; start < files.length; start += batch) {
  const tensor = await next;
  next = start + batch < files.length ? prepare(start + batch) : null;
  const result = await session.run({ [inputName]: tensor });
  count += tensor.dims[0];
  for (const v of Object.values(result)) v.dispose?.();
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = cpuSeconds(cpuStarted);
const here = path.dirname(new URL(import.meta.url).pathname);
const pkg = (name) => JSON.parse(readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;
console.log(JSON.stringify({
  images: count, seconds, vmhwm_kb: vmhwm(), cpu_seconds: cpu,
  note: `onnxruntime-node ${pkg('onnxruntime-node')}, sharp ${pkg('sharp')} (libvips ${sharp.versions.vips}), ${threads} intra-op threads, ${decodeWorkers} decode workers, fastShrinkOnLoad ${fastShrinkOnLoad}`,
}));

// The process's CPU time since `since` (user + system, all threads, libvips' and ORT's included), in seconds.
function cpuSeconds(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function vmhwm() {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) : -1;
}

function int(s) {
  const v = Number.parseInt(s, 10);
  if (Number.isNaN(v)) throw new Error(`expected an integer, got '${s}'`);
  return v;
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument '${argv[i]}'`);
    const key = argv[i].slice(2);
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[key] = argv[++i];
    else out[key] = true;
  }
  for (const k of ['model', 'images', 'resolution', 'resize-size']) if (!(k in out)) throw new Error(`--${k} is required`);
  return out;
}
