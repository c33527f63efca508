// A Modbus TCP slave (a field gateway, a PLC, the soil simulator) as sensor
// and actuator channels: each sensor channel is an input or holding register
// with a scale, each actuator channel a coil. The connection is made on first
// use and re-made after a failure, so a gateway restart costs one failed read.
#pragma once

#include <map>
#include <string>

#include "continuum/devices/device.h"

typedef struct _modbus modbus_t;

namespace continuum::devices {

struct ModbusRegister {
  enum class Table : uint8_t { Input, Holding };
  Table table = Table::Input;
  int address = 0;
  double scale = 1;  // value = raw * scale (e.g. 0.1 for moisture in 0.1 %)
  bool is_signed = false;
};

struct ModbusTcpConfig {
  std::string host = "127.0.0.1";
  int port = 502;
  int unit_id = 1;
  int response_timeout_ms = 500;
  std::map<std::string, ModbusRegister, std::less<>> sensors;
  std::map<std::string, int, std::less<>> coils;  // actuator channel -> coil address
};

class ModbusTcpDevice final : public SensorSource, public ActuatorSink {
 public:
  explicit ModbusTcpDevice(ModbusTcpConfig config);
  ~ModbusTcpDevice() override;
  ModbusTcpDevice(const ModbusTcpDevice&) = delete;
  ModbusTcpDevice& operator=(const ModbusTcpDevice&) = delete;

  DeviceStatus read(std::string_view channel, double* value) override;
  DeviceStatus set(std::string_view channel, double value) override;

  // Raw access for tools and tests.
  DeviceStatus read_input_registers(int address, int count, uint16_t* out);
  DeviceStatus read_coils(int address, int count, uint8_t* out);
  const std::string& last_error() const { return last_error_; }

 private:
  bool connect();
  DeviceStatus fail();

  ModbusTcpConfig config_;
  modbus_t* ctx_ = nullptr;
  bool connected_ = false;
  std::string last_error_;
};

}  // namespace continuum::devices
