#include "s3/file_upload.h"

#include <fmt/format.h>

#include "s3/body_digest.h"
#include "s3/completion.h"
#include "s3/digest.h"
#include "s3/multipart_upload.h"
#include "s3/part_plan.h"
#include "s3/retry.h"

namespace dsync::s3 {
namespace {

UploadOutcome failed_outcome(Error e, const std::string& key) {
  UploadOutcome out;
  e.key = key;
  if (e.operation.empty()) e.operation = "UploadFile";
  out.error = std::move(e);
  return out;
}

// A file below the multipart threshold: one PutObject, retried whole on transient errors (a PUT of the
// same bytes to the same key is idempotent).
UploadOutcome make_singlepart_upload(Client& client, const MultipartJob& job, Retrier& retrier,
                                     UploadObserver& observer, std::stop_token stop) {
  const Body body{.file = job.file, .offset = 0, .length = job.expected.size};
  auto put =
      retrier.run<std::string>(stop, [&] { return client.put_object(job.key, body, job.metadata, stop); });
  UploadOutcome out;
  out.size = job.expected.size;
  out.retries = retrier.retries();
  out.crc32c_base64 = job.expected.crc32c_base64;
  if (put.ok()) {
    out.ok = true;
    out.etag = *put.value;
    observer.on_bytes_sent(job.expected.size);
  } else if (stop.stop_requested()) {
    out.stopped = true;
  } else {
    out.error = put.error;
  }
  return out;
}

std::string metadata_value(const ObjectInfo& info, std::string_view name) {
  for (const auto& [n, v] : info.metadata) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace

UploadOutcome upload_file(Client& client, const std::string& key, const std::filesystem::path& file,
                          const UploadSettings& settings, const UploadCheckpoint& resume,
                          UploadObserver& observer, std::stop_token stop) {
  return upload_file(client, key, file, settings, resume, observer, std::move(stop), SystemClock::instance());
}

UploadOutcome upload_file(Client& client, const std::string& key, const std::filesystem::path& file,
                          const UploadSettings& settings, const UploadCheckpoint& resume,
                          UploadObserver& observer, std::stop_token stop, Clock& clock) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return failed_outcome(Error::local(codes::kFileError, file.string() + ": " + ec.message()), key);

  MultipartJob job{key, file, {}, {size, {}}};
  if (!settings.content_type.empty()) job.metadata.emplace_back("content-type", settings.content_type);
  if (settings.store_crc32c) {
    // Before the object is created: the CRC travels as metadata of CreateMultipartUpload / PutObject.
    Error read_error;
    auto crc = crc32c_of_file(file, &read_error);
    if (!crc) return failed_outcome(read_error, key);
    job.expected.crc32c_base64 = crc32c_base64(*crc);
    job.metadata.emplace_back(kCrc32cMetadata, job.expected.crc32c_base64);
  }

  Retrier retrier(settings, clock, &observer);
  const bool single = resume.upload_id.empty() && size < settings.multipart_threshold && size <= kMaxPartSize;
  if (single) return make_singlepart_upload(client, job, retrier, observer, stop);
  MultipartUpload upload(client, std::move(job), settings, observer, retrier, std::move(stop));
  return upload.run(resume);
}

VerifyOutcome verify_object(Client& client, const std::string& key, std::uint64_t expected_size,
                            const std::string& expected_crc32c_base64) {
  VerifyOutcome out;
  Retrier retrier(UploadSettings{}, SystemClock::instance());
  auto head = retrier.run<ObjectInfo>({}, [&] { return client.head_object(key); });
  if (!head.ok()) {
    out.problem = head.error.describe();
    return out;
  }
  out.info = *head.value;
  const ObjectInfo& info = out.info;
  if (info.size != expected_size) {
    out.problem = fmt::format("size {} != {}", info.size, expected_size);
    return out;
  }
  if (client.has_key()) {
    // Ceph RGW ignores a key sent for a plain object and answers 200, so only the echoed headers prove
    // the object is encrypted with this key.
    if (info.sse_algorithm != SseCustomerKey::algorithm()) {
      out.problem = "stored without SSE-C";
      return out;
    }
    if (info.sse_key_md5 != client.sse_key_md5_base64()) {
      out.problem = "key MD5 mismatch: the object is encrypted with another key";
      return out;
    }
  }
  if (!expected_crc32c_base64.empty()) {
    // A full-object x-amz-checksum-crc32c (no "-N" composite suffix) if the server keeps one, and the
    // CRC32C upload_file stored in metadata; at least one must be there and each must match.
    const bool server_sum =
        !info.checksum_crc32c.empty() && info.checksum_crc32c.find('-') == std::string::npos;
    const std::string stored = metadata_value(info, kCrc32cMetadata);
    if (!server_sum && stored.empty()) {
      out.problem = "object carries no CRC32C to compare";
      return out;
    }
    if (server_sum && info.checksum_crc32c != expected_crc32c_base64) {
      out.problem = fmt::format("checksum CRC32C {} != {}", info.checksum_crc32c, expected_crc32c_base64);
      return out;
    }
    if (!stored.empty() && stored != expected_crc32c_base64) {
      out.problem = fmt::format("stored CRC32C {} != {}", stored, expected_crc32c_base64);
      return out;
    }
  }
  out.ok = true;
  return out;
}

}  // namespace dsync::s3
