// The multipart operations of Client. Which calls carry SSE-C headers follows S3: CreateMultipartUpload
// and UploadPart do (the server encrypts with the key and checks it on every part); Complete, Abort and
// the listings do not (AWS documents them without; Ceph RGW 16 and MinIO accept them without).
#include <algorithm>

#include <fmt/format.h>

#include "s3/client.h"
#include "s3/client_impl.h"
#include "s3/xml_responses.h"

namespace dsync::s3 {

Result<std::string> Client::create_multipart_upload(const std::string& key, const Metadata& metadata) {
  S3Call c{.operation = "CreateMultipartUpload", .method = "POST", .key = &key, .sse_c = true};
  c.query = {{"uploads", ""}};
  add_metadata_headers(c.headers, metadata);
  S3Reply r = impl_->call(c);
  if (!r.ok()) return failed<std::string>(std::move(r.error));
  auto id = xml::parse_upload_id(r.http.body);
  if (!id) {
    return failed<std::string>(impl_->local_error(c, codes::kBadResponse, "answer carries no UploadId"));
  }
  return succeeded(std::move(*id));
}

Result<std::string> Client::upload_part(const std::string& key, const std::string& upload_id, int part_number,
                                        const Body& body, std::stop_token stop) {
  S3Call c{.operation = "UploadPart",
           .method = "PUT",
           .key = &key,
           .body = &body,
           .sse_c = true,
           .part_number = part_number};
  c.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  S3Reply r = impl_->call(c, {.stop = std::move(stop)});
  if (!r.ok()) return failed<std::string>(std::move(r.error));
  const std::string* etag = r.http.header("etag");
  if (etag == nullptr || etag->empty()) {
    return failed<std::string>(impl_->local_error(c, codes::kBadResponse, "UploadPart answer has no ETag"));
  }
  return succeeded(*etag);
}

Result<std::string> Client::complete_multipart_upload(const std::string& key, const std::string& upload_id,
                                                      const std::vector<CompletedPart>& parts) {
  std::vector<CompletedPart> sorted = parts;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  const std::string xml_body = xml::complete_multipart_body(sorted);
  const Body body{.bytes = xml_body};
  S3Call c{.operation = "CompleteMultipartUpload", .method = "POST", .key = &key, .body = &body};
  c.query = {{"uploadId", upload_id}};
  c.headers = {{"content-type", "application/xml"}};
  S3Reply r = impl_->call(c);
  if (!r.ok()) return failed<std::string>(std::move(r.error));
  auto result = xml::parse_complete(r.http.body);
  if (!result) {
    return failed<std::string>(
        impl_->local_error(c, codes::kBadResponse, "answer is not a CompleteMultipartUploadResult"));
  }
  if (result->error) {
    // AWS may send 200 and report the failure in the body, after the connection was kept busy.
    Error e = impl_->local_error(c, result->error->code, result->error->message);
    e.http_status = 200;
    e.request_id = impl_->redact(result->error->request_id);
    return failed<std::string>(std::move(e));
  }
  return succeeded(std::move(result->etag));
}

Result<Empty> Client::abort_multipart_upload(const std::string& key, const std::string& upload_id) {
  S3Call c{.operation = "AbortMultipartUpload", .method = "DELETE", .key = &key};
  c.query = {{"uploadId", upload_id}};
  S3Reply r = impl_->call(c);
  return r.ok() ? succeeded(Empty{}) : failed<Empty>(std::move(r.error));
}

Result<std::vector<CompletedPart>> Client::list_parts(const std::string& key, const std::string& upload_id) {
  std::vector<CompletedPart> all;
  std::string marker;
  for (;;) {
    S3Call c{.operation = "ListParts", .method = "GET", .key = &key};
    c.query = {{"uploadId", upload_id}, {"max-parts", std::to_string(impl_->settings.list_page_size)}};
    if (!marker.empty()) c.query.emplace_back("part-number-marker", marker);
    S3Reply r = impl_->call(c);
    if (!r.ok()) return failed<std::vector<CompletedPart>>(std::move(r.error));
    auto page = xml::parse_list_parts(r.http.body);
    if (!page) {
      return failed<std::vector<CompletedPart>>(
          impl_->local_error(c, codes::kBadResponse, "ListParts answer is not a ListPartsResult"));
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all));
    if (!page->truncated) return succeeded(std::move(all));
    if (page->next_marker.empty() || page->next_marker == marker) {
      return failed<std::vector<CompletedPart>>(
          impl_->local_error(c, codes::kBadResponse, "truncated ListParts without a new part number marker"));
    }
    marker = std::move(page->next_marker);
  }
}

using Uploads = std::vector<std::pair<std::string, std::string>>;

Result<Uploads> Client::list_multipart_uploads(const std::string& prefix) {
  auto listed = impl_->list_upload_pages(prefix);
  if (!listed.ok() || !listed.value->empty() || prefix.empty()) return listed;
  // MinIO lists uploads only for an exact object key when a prefix is given (a "directory" prefix
  // answers empty), so an empty answer is checked against the whole listing, filtered here.
  auto everything = impl_->list_upload_pages("");
  if (!everything.ok()) return everything;
  std::erase_if(*everything.value, [&](const auto& upload) { return upload.first.rfind(prefix, 0) != 0; });
  return everything;
}

Result<Uploads> Client::Impl::list_upload_pages(const std::string& prefix) {
  Uploads all;
  std::string key_marker;
  std::string upload_marker;
  for (;;) {
    S3Call c{.operation = "ListMultipartUploads", .method = "GET"};
    c.query = {{"uploads", ""}, {"max-uploads", std::to_string(settings.list_page_size)}};
    if (!prefix.empty()) c.query.emplace_back("prefix", prefix);
    if (!key_marker.empty()) c.query.emplace_back("key-marker", key_marker);
    if (!upload_marker.empty()) c.query.emplace_back("upload-id-marker", upload_marker);
    S3Reply r = call(c);
    if (!r.ok()) return failed<Uploads>(std::move(r.error));
    auto page = xml::parse_list_multipart_uploads(r.http.body);
    if (!page) {
      return failed<Uploads>(local_error(c, codes::kBadResponse,
                                         "ListMultipartUploads answer is not a ListMultipartUploadsResult"));
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all));
    if (!page->truncated) return succeeded(std::move(all));
    if (page->next_marker == key_marker && page->next_upload_marker == upload_marker) {
      return failed<Uploads>(local_error(c, codes::kBadResponse, "truncated listing without new markers"));
    }
    key_marker = std::move(page->next_marker);
    upload_marker = std::move(page->next_upload_marker);
  }
}

}  // namespace dsync::s3
