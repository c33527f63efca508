// Stage configuration lookups shared by the C reference modules: a value of
// the stage config (ctm_config_get) read as a number or a name list, with the
// module's default when the key is absent or unreadable.
#ifndef CONTINUUM_MODULES_CONFIG_H
#define CONTINUUM_MODULES_CONFIG_H

#include <stdint.h>

double config_f64(const char* key, double fallback);
int64_t config_i64(const char* key, int64_t fallback);

// Copies the text of KEY (or FALLBACK) into buf, NUL-terminated.
void config_text(const char* key, const char* fallback, char* buf, uint32_t cap);

// Splits a comma-separated list into at most max_items names of up to
// item_cap - 1 characters each (longer ones are cut); returns the count.
int config_split(const char* list, char* items, int max_items, uint32_t item_cap);

#endif
