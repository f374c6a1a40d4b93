/**
 * `npm run publish-models -- [--bucket NAME]`: uploads every model of
 * models/manifest.json, then the manifest, to a real R2 bucket with wrangler's R2
 * commands. Run `npx wrangler login` first (or set CLOUDFLARE_API_TOKEN and
 * CLOUDFLARE_ACCOUNT_ID). The Worker still checks each object's SHA-256 against
 * the manifest when it loads it.
 */
import { parseArgs } from 'node:util'
import { uploadModels } from './lib/models.ts'

const { values } = parseArgs({
  options: {
    bucket: { type: 'string', default: 'onnx-edge-models' },
    'manifest-key': { type: 'string', default: 'manifest.json' },
    local: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (values.help) {
  console.log(`Usage: npm run publish-models -- [options]

  --bucket NAME         R2 bucket to upload to (default: onnx-edge-models, as in wrangler.toml)
  --manifest-key KEY    object key of the manifest (default: manifest.json, the MANIFEST_KEY var)
  --local               upload to the local bucket of wrangler dev instead of Cloudflare`)
  process.exit(0)
}

try {
  uploadModels({
    bucket: values.bucket,
    target: values.local ? 'local' : 'remote',
    manifestKey: values['manifest-key'],
  })
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
