#include "continuum/sim/soil_modbus_server.h"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "continuum/sim/soil_registers.h"

namespace continuum::sim {
namespace reg = soil_registers;

static uint16_t scaled(double value, double scale) {
  return uint16_t(std::clamp(std::lround(value * scale), 0L, 65535L));
}

SoilModbusServer::SoilModbusServer(SoilSimulator& sim) : sim_(sim) {}

SoilModbusServer::~SoilModbusServer() {
  for (int fd : clients_) close(fd);
  if (listen_fd_ >= 0) close(listen_fd_);
  if (map_) modbus_mapping_free(map_);
  if (ctx_) modbus_free(ctx_);
}

std::string SoilModbusServer::listen(const std::string& address, int port) {
  if (sim_.field_count() > reg::kMaxFields) return "too many fields for the register map";
  ctx_ = modbus_new_tcp(address.c_str(), port);
  if (!ctx_) return std::string("modbus_new_tcp: ") + modbus_strerror(errno);
  map_ = modbus_mapping_new(reg::kMaxFields, 0, 0, reg::kInputRegisterCount);
  if (!map_) return std::string("modbus_mapping_new: ") + modbus_strerror(errno);
  listen_fd_ = modbus_tcp_listen(ctx_, 8);
  if (listen_fd_ < 0) return std::string("listen: ") + modbus_strerror(errno);
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
  publish();
  return "";
}

void SoilModbusServer::publish() {
  uint16_t* ir = map_->tab_input_registers;
  for (int f = 0; f < sim_.field_count(); ++f) {
    const FieldStatus& st = sim_.status(f);
    uint16_t* base = ir + f * reg::kFieldStride;
    for (size_t s = 0; s < st.readings_pct.size(); ++s) base[reg::kProbe0 + s] = scaled(st.readings_pct[s], 10);
    base[reg::kTrueMoisture] = scaled(st.moisture * 100.0, 10);
    base[reg::kPumpFlow] = st.pump_on ? scaled(sim_.field(f).params().pump_flow_l_per_min, 10) : 0;
    base[reg::kEtRate] = scaled(st.fluxes.et, 1000);
    base[reg::kProbeStuck] = uint16_t(st.stuck_mask);
    map_->tab_bits[f] = st.pump_on ? 1 : 0;
  }
  uint32_t t = uint32_t(sim_.time_s());
  ir[reg::kTimeHigh] = uint16_t(t >> 16);
  ir[reg::kTimeLow] = uint16_t(t & 0xFFFF);
  ir[reg::kHourX100] = scaled(sim_.hour_of_day(), 100);
  ir[reg::kRainX100] = scaled(sim_.rain_mm_per_h(), 100);
  ir[reg::kFieldCount] = uint16_t(sim_.field_count());
  ir[reg::kProbesPerField] = uint16_t(sim_.field_count() ? sim_.status(0).readings_pct.size() : 0);
}

void SoilModbusServer::apply_coils() {
  for (int f = 0; f < sim_.field_count(); ++f) sim_.set_pump(f, map_->tab_bits[f] != 0);
}

void SoilModbusServer::serve(int timeout_ms) {
  publish();
  std::vector<pollfd> fds;
  fds.push_back({listen_fd_, POLLIN, 0});
  for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
  if (poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
  if (fds[0].revents & POLLIN) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd >= 0) clients_.push_back(fd);
  }
  for (size_t i = 1; i < fds.size(); ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    int fd = fds[i].fd;
    modbus_set_socket(ctx_, fd);
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    int rc = modbus_receive(ctx_, query);
    if (rc > 0) {
      modbus_reply(ctx_, query, rc, map_);
      ++requests_;
      apply_coils();
      publish();
    } else if (rc == -1) {
      close(fd);
      clients_.erase(std::find(clients_.begin(), clients_.end(), fd));
    }
  }
}

}  // namespace continuum::sim
