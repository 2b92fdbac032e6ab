#include "Doctor.h"

#include <QDateTime>
#include <QThread>

namespace streamscope {

int DoctorReport::findingCount() const {
    int n = 0;
    for (const Stream &s : streams)
        for (const Group &g : s.groups)
            n += int(g.findings.size());
    return n;
}

Result<DoctorReport> runDoctor(RedisClient &connection, const QByteArray &pattern,
                               const HealthOptions &options, const std::atomic<bool> *cancel) {
    DoctorReport report;
    const int version = fetchServerVersion(connection, &report.version, &report.mode);
    auto names = scanStreamNames(connection, pattern, 100000, 100000, &report.truncated);
    if (!names.ok())
        return names.error();

    // Bounded pipelines: a few hundred streams per round trip.
    auto sample = [&]() -> Result<StreamStatusList> {
        StreamStatusList all;
        constexpr qsizetype chunk = 250;
        for (qsizetype i = 0; i < names->size(); i += chunk) {
            auto part = fetchStreamStatus(connection, names->mid(i, chunk), version);
            if (!part.ok())
                return part.error();
            all.append(part.value());
        }
        return all;
    };

    QHash<QByteArray, QList<GroupStatus>> history;
    for (int second = 0; second < options.windowSeconds; ++second) {
        auto earlier = sample();
        if (!earlier.ok())
            return earlier.error();
        for (const StreamStatus &s : earlier.value())
            for (const GroupStatus &g : s.groups)
                history[groupKey(s.info.name, g.name)].append(g);
        for (int slice = 0; slice < 20; ++slice) {
            if (cancel && *cancel)
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            QThread::msleep(50);
        }
    }
    auto now = sample();
    if (!now.ok())
        return now.error();
    auto pending = fetchPendingSamples(connection, now.value(), options);
    if (!pending.ok())
        return pending.error();

    for (const StreamStatus &s : now.value()) {
        DoctorReport::Stream stream{s.info, {}};
        for (const GroupStatus &g : s.groups) {
            const QByteArray key = groupKey(s.info.name, g.name);
            stream.groups.append(
                {g, evaluateGroup(s.info, g, history.value(key), pending->value(key), options)});
        }
        report.streams.append(std::move(stream));
    }
    return report;
}

} // namespace streamscope
