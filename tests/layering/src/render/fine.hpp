// Fixture: every include allowed (no offence here).
#pragma once
#include "analysis/stats.hpp"
#  include "render/render.hpp"
#include "store/backend.hpp"
