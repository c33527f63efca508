// The soil simulator's Modbus register map, shared by the server and by
// clients that want the names instead of numbers (docs/devices.md).
#pragma once

namespace continuum::sim::soil_registers {

// Input registers (function 0x04), per field f starting at f * kFieldStride:
inline constexpr int kFieldStride = 16;
inline constexpr int kProbe0 = 0;         // +s: probe s moisture, 0.1 % volumetric
inline constexpr int kTrueMoisture = 8;   // model moisture, 0.1 % vol (ground truth)
inline constexpr int kPumpFlow = 9;       // pump flow, 0.1 L/min (0 while off)
inline constexpr int kEtRate = 10;        // actual ET, 0.001 mm/h
inline constexpr int kProbeStuck = 11;    // bit s set: probe s is stuck (ground truth)
// Global input registers:
inline constexpr int kTimeHigh = 900;     // simulated seconds since start, u32 high word
inline constexpr int kTimeLow = 901;      //   low word
inline constexpr int kHourX100 = 902;     // hour of day * 100
inline constexpr int kRainX100 = 903;     // rain, 0.01 mm/h
inline constexpr int kFieldCount = 904;
inline constexpr int kProbesPerField = 905;
inline constexpr int kInputRegisterCount = 906;
// Coils (functions 0x01/0x05/0x0F): coil f is the pump of field f.
inline constexpr int kMaxFields = 56;     // the input registers below kTimeHigh

}  // namespace continuum::sim::soil_registers
