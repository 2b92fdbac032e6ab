// The reply parser's entries mode (XRANGE and XREAD replies written straight into StreamEntry
// values) on whatever the network sends.
#include "ReplyFuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    streamscope::fuzz::quietQt();
    streamscope::fuzz::fuzzEntries(data, size);
    return 0;
}
