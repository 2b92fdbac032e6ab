// The connection URL parser (redis://, rediss://, unix://) on whatever a user or a saved
// setting holds.
#include "ConnectionSettings.h"
#include "FuzzSupport.h"

using namespace streamscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz::quietQt();
    // A password from the environment would hide what the URL says.
    static const bool noAuthFromEnvironment = qunsetenv("REDISCLI_AUTH");
    Q_UNUSED(noAuthFromEnvironment);
    const QString url = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    auto settings = ConnectionSettings::fromUrl(url);
    if (!settings.ok()) {
        FUZZ_CHECK(!settings.error().message.isEmpty());
        return 0;
    }
    fuzz::consume(settings->displayUrl(true));
    fuzz::consume(settings->displayUrl(false));
    fuzz::consume(settings->endpoint());
    FUZZ_CHECK(settings.value() == settings.value());
    return 0;
}
