// Fixture: a folder of src/ that cmake/layers.cmake does not name.
#pragma once
