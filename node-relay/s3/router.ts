// Maps a request (method, bucket, key, sub-resource query) to the S3 operation that serves it. The bucket and key
// come from the path (http://host:port/BUCKET/KEY) or a virtual host (http://BUCKET.localhost:port/KEY): server.ts.
import { s3Error } from './errors.ts';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets, listObjects } from './bucket-ops.ts';
import { copyObject, deleteObject, deleteObjects, getObject, putObject } from './object-ops.ts';
import { abortUpload, completeUpload, createUpload, listParts, listUploads, uploadPart } from './multipart-ops.ts';
import { uploadPartCopy } from './part-copy.ts';
import { headerValue, type S3Context } from './context.ts';

export type Operation = (ctx: S3Context) => void | Promise<void>;

/** Sub-resources S3 has and the gateway does not (answered NotImplemented, never mistaken for a plain request). */
const UNSUPPORTED = [
  'acl',
  'policy',
  'lifecycle',
  'cors',
  'tagging',
  'versions',
  'versioning',
  'website',
  'replication',
  'encryption',
  'object-lock',
  'retention',
  'legal-hold',
  'logging',
  'notification',
  'requestPayment',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'ownershipControls',
  'publicAccessBlock',
  'intelligent-tiering',
  'restore',
  'select',
  'torrent',
  'attributes',
];

function has(ctx: S3Context, name: string): boolean {
  return Object.hasOwn(ctx.query, name);
}

/** The operation for `ctx`, with its S3 name (for logs), or throws MethodNotAllowed / NotImplemented. */
export function route(ctx: S3Context): { name: string; run: Operation } {
  const unsupported = UNSUPPORTED.find((name) => has(ctx, name));
  if (unsupported)
    throw s3Error('NotImplemented', `the ${unsupported} sub-resource is not supported by the PeerTree gateway`);
  const m = ctx.method;
  if (ctx.bucket === '') {
    if (m === 'GET') return { name: 'ListBuckets', run: listBuckets };
    throw s3Error('MethodNotAllowed');
  }
  if (ctx.key === '') {
    if (m === 'GET' && has(ctx, 'location')) return { name: 'GetBucketLocation', run: getBucketLocation };
    if (m === 'GET' && has(ctx, 'uploads')) return { name: 'ListMultipartUploads', run: listUploads };
    if (m === 'GET')
      return ctx.query['list-type'] === '2'
        ? { name: 'ListObjectsV2', run: (c) => listObjects(c, 2) }
        : { name: 'ListObjects', run: (c) => listObjects(c, 1) };
    if (m === 'PUT') return { name: 'CreateBucket', run: createBucket };
    if (m === 'DELETE') return { name: 'DeleteBucket', run: deleteBucket };
    if (m === 'HEAD') return { name: 'HeadBucket', run: headBucket };
    if (m === 'POST' && has(ctx, 'delete')) return { name: 'DeleteObjects', run: deleteObjects };
    throw s3Error('MethodNotAllowed');
  }
  const copyFrom = headerValue(ctx, 'x-amz-copy-source');
  if (m === 'PUT' && has(ctx, 'uploadId') && copyFrom !== undefined)
    return { name: 'UploadPartCopy', run: (c) => uploadPartCopy(c, copyFrom) };
  if (m === 'PUT' && has(ctx, 'uploadId')) return { name: 'UploadPart', run: uploadPart };
  if (m === 'PUT' && copyFrom !== undefined) return { name: 'CopyObject', run: (c) => copyObject(c, copyFrom) };
  if (m === 'PUT') return { name: 'PutObject', run: putObject };
  if (m === 'GET' && has(ctx, 'uploadId')) return { name: 'ListParts', run: listParts };
  if (m === 'GET') return { name: 'GetObject', run: (c) => getObject(c, false) };
  if (m === 'HEAD') return { name: 'HeadObject', run: (c) => getObject(c, true) };
  if (m === 'DELETE' && has(ctx, 'uploadId')) return { name: 'AbortMultipartUpload', run: abortUpload };
  if (m === 'DELETE') return { name: 'DeleteObject', run: deleteObject };
  if (m === 'POST' && has(ctx, 'uploads')) return { name: 'CreateMultipartUpload', run: createUpload };
  if (m === 'POST' && has(ctx, 'uploadId')) return { name: 'CompleteMultipartUpload', run: completeUpload };
  throw s3Error('MethodNotAllowed');
}
