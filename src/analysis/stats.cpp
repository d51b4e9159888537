// placeholder
#include "analysis/stats.hpp"
