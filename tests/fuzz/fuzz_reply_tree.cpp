// The reply parser building RedisReply trees from whatever the network sends.
#include "ReplyFuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    streamscope::fuzz::quietQt();
    streamscope::fuzz::fuzzTree(data, size);
    return 0;
}
