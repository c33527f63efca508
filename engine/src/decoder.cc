// The streaming module decoder. Input arrives in chunks of any size (a module
// coming over a radio link may arrive a few bytes at a time); bytes are
// appended to the module's own copy and every section is decoded as soon as
// its last byte is in, so a malformed module is refused early. finish()
// checks that the module is complete and runs the validator.
#include <string.h>

#include "binary_reader.h"
#include "continuum/engine/module.h"
#include "decode_sections.h"

namespace continuum::engine {
namespace {

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};  // "\0asm"
constexpr uint8_t kVersion[4] = {0x01, 0x00, 0x00, 0x00};
constexpr size_t kHeaderSize = 8;
// Offsets are uint32_t throughout the engine.
constexpr size_t kMaxModuleSize = 0xFFFFFFF0u;

// Position of each known section in the required order; the data count
// section (id 12) sits between the element and code sections.
uint8_t section_rank(SectionId id) {
  switch (id) {
    case SectionId::Custom: return 0;
    case SectionId::Type: return 1;
    case SectionId::Import: return 2;
    case SectionId::Function: return 3;
    case SectionId::Table: return 4;
    case SectionId::Memory: return 5;
    case SectionId::Global: return 6;
    case SectionId::Export: return 7;
    case SectionId::Start: return 8;
    case SectionId::Element: return 9;
    case SectionId::DataCount: return 10;
    case SectionId::Code: return 11;
    case SectionId::Data: return 12;
  }
  return 0;
}

bool is_unexpected_end(const Error& e) {
  return e.message != nullptr && strcmp(e.message, "unexpected end") == 0;
}

}  // namespace

struct ModuleDecoder::State {
  explicit State(Allocator& a) : module(make_box<Module>(a, a)) {}

  Box<Module> module;
  size_t received = 0;   // total bytes fed (also after the module is handed over)
  size_t parsed = 0;     // bytes fully decoded so far
  bool header_done = false;
  uint8_t last_rank = 0;  // rank of the last non-custom section seen
  bool saw_code = false;
  bool saw_data = false;
  bool failed = false;
  bool spent = false;
  Error error;

  Error fail(Error e) {
    failed = true;
    error = e;
    return e;
  }

  const uint8_t* bytes() const { return module->bytes(); }
  size_t size() const { return module->size(); }

  // Checks the header bytes that have arrived; true once all 8 are in.
  Result<bool> header() {
    size_t have = size() < kHeaderSize ? size() : kHeaderSize;
    // The magic is judged once all four bytes are in ("\01" alone is a
    // truncated module, not a wrong one), the version byte by byte after it.
    if (have < 4) return false;
    for (size_t i = 0; i < 4; ++i)
      if (bytes()[i] != kMagic[i]) return Error::at("magic header not detected", 0);
    for (size_t i = 4; i < have; ++i)
      if (bytes()[i] != kVersion[i - 4]) return Error::at("unknown binary version", 4);
    if (have < kHeaderSize) return false;
    parsed = kHeaderSize;
    header_done = true;
    return true;
  }

  // Decodes the next section if all of it has arrived; true if it did.
  Result<bool> next_section() {
    size_t start = parsed;
    if (size() <= start) return false;
    uint8_t id = bytes()[start];
    if (id > kMaxSectionId) return Error::at("malformed section id", static_cast<uint32_t>(start));
    BinaryReader header(bytes() + start + 1, size() - start - 1, static_cast<uint32_t>(start + 1));
    auto payload_size = header.u32();
    if (!payload_size.ok()) {
      if (is_unexpected_end(payload_size.error())) return false;  // wait for more bytes
      return payload_size.error();
    }
    size_t payload = start + 1 + header.pos();
    if (size() - payload < payload_size.value()) return false;

    SectionId sid = static_cast<SectionId>(id);
    if (sid != SectionId::Custom) {
      uint8_t rank = section_rank(sid);
      if (rank <= last_rank)
        return Error::at("unexpected content after last section", static_cast<uint32_t>(start));
      last_rank = rank;
    }
    if (sid == SectionId::Code) saw_code = true;
    if (sid == SectionId::Data) saw_data = true;
    Module& m = *module;
    if (!m.sections.push_back(SectionInfo{id, static_cast<uint32_t>(start), payload_size.value()}))
      return Error::at(kOutOfMemory, static_cast<uint32_t>(start));

    BinaryReader r(bytes() + payload, payload_size.value(), static_cast<uint32_t>(payload));
    auto decoded = decode_section(sid, r, m);
    if (!decoded.ok()) {
      Error e = decoded.error();
      // Running off the end of the section is the section's fault, not the file's.
      if (is_unexpected_end(e) && e.offset == payload + payload_size.value())
        e.message = "unexpected end of section or function";
      return e;
    }
    if (!r.at_end()) return r.error("section size mismatch");
    parsed = payload + payload_size.value();
    return true;
  }

  Result<void> advance() {
    for (;;) {
      Result<bool> progressed = header_done ? next_section() : header();
      if (!progressed.ok()) return fail(progressed.error());
      if (!progressed.value()) return Ok();
    }
  }

  // The end of input has been declared: what is left must be nothing.
  Result<void> check_complete() {
    if (!header_done) return Error::at("unexpected end", static_cast<uint32_t>(size()));
    if (parsed < size()) {
      // A section header or body cut short.
      BinaryReader header(bytes() + parsed + 1, size() - parsed - 1, static_cast<uint32_t>(parsed + 1));
      auto payload_size = header.u32();
      if (!payload_size.ok()) return payload_size.error();
      return Error::at("length out of bounds", static_cast<uint32_t>(parsed + 1));
    }
    const Module& m = *module;
    if (!m.functions.empty() && !saw_code)
      return Error::at("function and code section have inconsistent lengths", static_cast<uint32_t>(size()));
    if (m.data_count != kNoIndex && m.data_count != 0 && !saw_data)
      return Error::at("data count and data section have inconsistent lengths", static_cast<uint32_t>(size()));
    return Ok();
  }
};

ModuleDecoder::ModuleDecoder(Allocator& a) : alloc_(&a), state_(make<State>(a, a)) {}

ModuleDecoder::~ModuleDecoder() { destroy(*alloc_, state_); }

size_t ModuleDecoder::bytes_received() const { return state_ ? state_->received : 0; }

Result<void> ModuleDecoder::feed(const uint8_t* data, size_t size) {
  if (state_ == nullptr || !state_->module) return Error::at(kOutOfMemory, 0);
  State& s = *state_;
  if (s.failed) return s.error;
  if (s.spent) return Error::at("decoder already finished", static_cast<uint32_t>(s.received));
  if (size > kMaxModuleSize - s.received)
    return s.fail(Error::at("module too large", static_cast<uint32_t>(s.received)));
  if (!s.module->mutable_bytes().append(data, size))
    return s.fail(Error::at(kOutOfMemory, static_cast<uint32_t>(s.received)));
  s.received += size;
  return s.advance();
}

Result<Box<Module>> ModuleDecoder::finish() {
  if (state_ == nullptr || !state_->module) return Error::at(kOutOfMemory, 0);
  State& s = *state_;
  if (s.failed) return s.error;
  if (s.spent) return Error::at("decoder already finished", static_cast<uint32_t>(s.received));
  s.spent = true;
  auto complete = s.check_complete();
  if (!complete.ok()) return s.fail(complete.error());
  auto valid = validate_module(*s.module);
  if (!valid.ok()) return s.fail(valid.error());
  return static_cast<Box<Module>&&>(s.module);
}

Result<Box<Module>> decode_module(Allocator& a, const uint8_t* data, size_t size) {
  ModuleDecoder decoder(a);
  CTM_TRY(decoder.feed(data, size));
  return decoder.finish();
}

}  // namespace continuum::engine
