// Fixture: io includes a folder that is no layer.
#pragma once
#include "widgets/knob.hpp"
