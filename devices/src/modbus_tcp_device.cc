#include "continuum/devices/modbus_tcp_device.h"

#include <modbus/modbus.h>

#include <cerrno>
#include <cmath>

namespace continuum::devices {

ModbusTcpDevice::ModbusTcpDevice(ModbusTcpConfig config) : config_(std::move(config)) {}

ModbusTcpDevice::~ModbusTcpDevice() {
  if (ctx_) {
    modbus_close(ctx_);
    modbus_free(ctx_);
  }
}

bool ModbusTcpDevice::connect() {
  if (connected_) return true;
  if (!ctx_) {
    ctx_ = modbus_new_tcp(config_.host.c_str(), config_.port);
    if (!ctx_) {
      last_error_ = std::string("modbus_new_tcp: ") + modbus_strerror(errno);
      return false;
    }
    modbus_set_slave(ctx_, config_.unit_id);
    int ms = config_.response_timeout_ms;
    modbus_set_response_timeout(ctx_, uint32_t(ms / 1000), uint32_t(ms % 1000) * 1000);
  }
  if (modbus_connect(ctx_) != 0) {
    last_error_ = std::string("connect: ") + modbus_strerror(errno);
    return false;
  }
  connected_ = true;
  return true;
}

// A failed transaction may leave a half-read response on the socket: close,
// so the next call starts on a fresh connection.
DeviceStatus ModbusTcpDevice::fail() {
  last_error_ = modbus_strerror(errno);
  modbus_close(ctx_);
  connected_ = false;
  return DeviceStatus::Io;
}

DeviceStatus ModbusTcpDevice::read_input_registers(int address, int count, uint16_t* out) {
  if (!connect()) return DeviceStatus::Io;
  if (modbus_read_input_registers(ctx_, address, count, out) != count) return fail();
  return DeviceStatus::Ok;
}

DeviceStatus ModbusTcpDevice::read_coils(int address, int count, uint8_t* out) {
  if (!connect()) return DeviceStatus::Io;
  if (modbus_read_bits(ctx_, address, count, out) != count) return fail();
  return DeviceStatus::Ok;
}

DeviceStatus ModbusTcpDevice::read(std::string_view channel, double* value) {
  auto it = config_.sensors.find(channel);
  if (it == config_.sensors.end()) return DeviceStatus::NotFound;
  const ModbusRegister& r = it->second;
  if (!connect()) return DeviceStatus::Io;
  uint16_t raw;
  int got = r.table == ModbusRegister::Table::Input ? modbus_read_input_registers(ctx_, r.address, 1, &raw)
                                                    : modbus_read_registers(ctx_, r.address, 1, &raw);
  if (got != 1) return fail();
  *value = (r.is_signed ? double(int16_t(raw)) : double(raw)) * r.scale;
  return DeviceStatus::Ok;
}

DeviceStatus ModbusTcpDevice::set(std::string_view channel, double value) {
  auto it = config_.coils.find(channel);
  if (it == config_.coils.end()) return DeviceStatus::NotFound;
  if (std::isnan(value)) return DeviceStatus::Invalid;
  if (!connect()) return DeviceStatus::Io;
  if (modbus_write_bit(ctx_, it->second, value != 0 ? 1 : 0) != 1) return fail();
  return DeviceStatus::Ok;
}

}  // namespace continuum::devices
