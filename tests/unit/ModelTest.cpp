#include "bpfcarve/extractor/Frontend.h"
#include <gtest/gtest.h>
TEST(Smoke, Builds) { SUCCEED(); }
