// The publish form: placeholders ({{seq}}, {{randint A B}}, ...) checked and filled, a pasted
// JSON object turned into fields, saved templates read back (Publish).
#include "FuzzSupport.h"
#include "Publish.h"

using namespace streamscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz::quietQt();
    static Placeholders placeholders;       // seeding it per input would cost more than the input
    constexpr qint64 nowMs = 1764079500123; // 2025-11-25 14:05:00.123 UTC
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));

    // What the form does with a field: check it, and fill only what passed the check.
    const QString problem = Placeholders::check(text);
    if (problem.isEmpty())
        fuzz::consume(placeholders.fill(text, 1, nowMs));
    else
        fuzz::consume(problem);

    auto fields = fieldsFromJson(text);
    if (fields.ok()) {
        PublishRequest request;
        request.stream = "s";
        request.fields = fields.value();
        const PublishProblems problems = validate(request);
        for (const PublishProblem &p : problems)
            fuzz::consume(p.message);
        if (problems.isEmpty())
            for (const QByteArray &arg : xaddCommand(request, placeholders, 7, nowMs))
                fuzz::consume(arg);
    } else {
        FUZZ_CHECK(!fields.error().message.isEmpty());
    }

    auto saved = PublishTemplate::fromJson(text);
    if (saved.ok()) {
        auto again = PublishTemplate::fromJson(saved->toJson());
        FUZZ_CHECK(again.ok() && again->fields == saved->fields && again->stream == saved->stream);
    }
    return 0;
}
