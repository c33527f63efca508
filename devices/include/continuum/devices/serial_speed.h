// Baud rate (bits per second) to the termios speed constant.
#pragma once

#include <termios.h>

namespace continuum::devices {

bool baud_to_speed(int baud, speed_t* speed);

}  // namespace continuum::devices
