#include "continuum/devices/device.h"

namespace continuum::devices {

const char* status_text(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::Ok: return "ok";
    case DeviceStatus::NotFound: return "no such channel";
    case DeviceStatus::NoData: return "no reading yet";
    case DeviceStatus::Invalid: return "invalid value";
    case DeviceStatus::Io: return "device error";
  }
  return "unknown";
}

}  // namespace continuum::devices
