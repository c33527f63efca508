// Moved to tests/support/server_process.h; this forwards for test files
// written before the move (include "support/server_process.h" instead).
#pragma once

#include "support/server_process.h"
