#!/bin/sh
# One-shot set-up of the MinIO landing area, run by the minio-create-bucket service on every `docker compose up`.
# Idempotent: re-running it changes nothing that is already in place (and resets the pipeline user's secret to
# the one in .env, which is how that secret is rotated).
#
#   1. the landing bucket (LANDING_BUCKET, the bucket of AIRFLOW_VAR_DLSEI_LANDING_URL);
#   2. a policy that allows listing the bucket and reading, writing and deleting its objects, nothing else
#      (the pipeline lists incoming files, reads them, and moves them to archive/ or quarantine/);
#   3. the pipeline's own user (LANDING_S3_ACCESS_KEY_ID), with only that policy: the Airflow containers never
#      hold MinIO's root credentials.
#
# Only shell built-ins and mc are used: the mc image is minimal.
set -eu

: "${LANDING_BUCKET:?}" "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}"
: "${LANDING_S3_ACCESS_KEY_ID:?}" "${LANDING_S3_SECRET_ACCESS_KEY:?}"

POLICY=dlsei-landing-rw
POLICY_FILE=/tmp/${POLICY}.json

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

mc mb --ignore-existing "local/${LANDING_BUCKET}"

printf '%s\n' \
  '{' \
  '  "Version": "2012-10-17",' \
  '  "Statement": [' \
  '    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],' \
  "     \"Resource\": [\"arn:aws:s3:::${LANDING_BUCKET}\"]}," \
  '    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],' \
  "     \"Resource\": [\"arn:aws:s3:::${LANDING_BUCKET}/*\"]}" \
  '  ]' \
  '}' >"$POLICY_FILE"
mc admin policy create local "$POLICY" "$POLICY_FILE"

mc admin user add local "$LANDING_S3_ACCESS_KEY_ID" "$LANDING_S3_SECRET_ACCESS_KEY"
# `attach` refuses a policy that is already attached; detach first (ignoring "not attached") to stay re-runnable.
mc admin policy detach local "$POLICY" --user "$LANDING_S3_ACCESS_KEY_ID" >/dev/null 2>&1 || true
mc admin policy attach local "$POLICY" --user "$LANDING_S3_ACCESS_KEY_ID"

echo "landing bucket ${LANDING_BUCKET} ready; user ${LANDING_S3_ACCESS_KEY_ID} has policy ${POLICY}"
