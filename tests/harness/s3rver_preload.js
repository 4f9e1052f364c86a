// Preloaded into s3rver (NODE_OPTIONS=--require) by the C++ harness
// (S3Server): two corrections to s3rver 3.7.1 for efstop's tests.
//
// 1. Keys. When the signature-checking test endpoint stands in front of it
// (S3Server with verify_signatures, EFSTOP_S3RVER_TRUST_FRONT=1), the front has already checked the access key and the
// whole SigV4 signature against its scenario's users and the credentials it
// issued; s3rver itself knows only its one hard-coded key pair (S3RVER) and
// would refuse every other key with InvalidAccessKeyId. So any key id that
// reaches s3rver is mapped to its dummy account: the test endpoint and S3
// then share one key pair (and temporary credentials work on S3 too).
'use strict';
if (process.env.EFSTOP_S3RVER_TRUST_FRONT === '1') {
  const path = require('path');
  const AWSAccount = require(path.join(__dirname, 'node_modules', 's3rver', 'lib', 'models',
                                       'account.js'));
  const registry = AWSAccount.registry;
  const lookup = registry.get.bind(registry);
  registry.get = (accessKeyId) => lookup(accessKeyId) || AWSAccount.DUMMY_ACCOUNT;
}

// 2. CommonPrefixes. s3rver 3.7.1 answers a delimiter listing with CommonPrefixes only for the
// folders that hold objects directly: its directory walk skips every folder
// below a common prefix, so `prefix=AWSLogs/&delimiter=/` over
// AWSLogs/<account>/vpcflowlogs/... returns nothing at all (checked by
// hand against 3.7.1, and by tests/cloud/s3_listing_test.cc). Real S3 rolls
// every key up to its first delimiter after the prefix. This does the same
// over a full walk of the prefix. Such listings are answered in one page
// (s3rver builds continuation tokens from the last object key, which a page
// ending in a common prefix does not have); plain listings keep s3rver's own
// max-keys paging and continuation tokens, which are correct.
{
  const path = require('path');
  const FilesystemStore = require(path.join(__dirname, 'node_modules', 's3rver', 'lib', 'stores',
                                            'filesystem.js'));
  const list = FilesystemStore.prototype.listObjects;
  FilesystemStore.prototype.listObjects = async function listObjects(bucket, options) {
    const delimiter = options.delimiter || '';
    if (!delimiter) return list.call(this, bucket, options);
    const prefix = options.prefix || '';
    const all = await list.call(this, bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const prefixes = new Set();
    const objects = [];
    for (const object of all.objects) {
      const idx = object.key.slice(prefix.length).indexOf(delimiter);
      if (idx === -1) {
        objects.push(object);
      } else {
        prefixes.add(object.key.slice(0, prefix.length + idx + delimiter.length));
      }
    }
    return { objects, commonPrefixes: [...prefixes].sort(), isTruncated: false };
  };
}
