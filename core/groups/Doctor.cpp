#include "Doctor.h"

#include "ValueFormat.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QThread>

#include <algorithm>

namespace streamscope {

namespace {

QJsonValue optionalNumber(std::optional<qint64> v) {
    return v ? QJsonValue(double(*v)) : QJsonValue();
}

// The time lag, or nothing when it could not be read (never 0 for "unknown").
std::optional<qint64> timeLag(const GroupStatus &g) {
    return g.timeLagUnknown.isEmpty() ? std::optional<qint64>(g.timeLagMs) : std::nullopt;
}

} // namespace

int DoctorReport::findingCount() const {
    int n = 0;
    for (const Stream &s : streams)
        for (const Group &g : s.groups)
            n += problemCount(g.findings);
    return n;
}

QList<DoctorReport::NotEvaluated> DoctorReport::notEvaluated() const {
    QList<NotEvaluated> out;
    for (const Stream &s : streams)
        for (const Group &g : s.groups)
            for (const Finding &f : g.findings) {
                if (f.kind != QLatin1String("not-evaluated"))
                    continue;
                auto it = std::find_if(out.begin(), out.end(), [&](const NotEvaluated &n) {
                    return n.rules == f.rules && n.reason == f.reason;
                });
                if (it == out.end())
                    it = out.insert(out.end(), {f.rules, f.reason, 0});
                ++it->groups;
            }
    return out;
}

int DoctorReport::forbiddenStreams() const {
    return int(std::count_if(streams.begin(), streams.end(),
                             [](const Stream &s) { return !s.info.noAccess.isEmpty(); }));
}

bool DoctorReport::partial() const {
    return !missing.isEmpty() || forbiddenStreams() > 0 || !notEvaluated().isEmpty() || truncated;
}

Result<DoctorReport> runDoctor(RedisClient &connection, const QByteArray &pattern,
                               const HealthOptions &options, const std::atomic<bool> *cancel) {
    DoctorReport report;
    const int version =
        fetchServerVersion(connection, &report.version, &report.mode, &report.versionUnknown);
    // Every primary (each its own SCAN): a node that cannot be scanned is named, not skipped.
    auto scanned = scanStreams(connection, pattern, 100000, 100000);
    if (!scanned.ok())
        return scanned.error();
    report.truncated = scanned->truncated;
    report.missing = scanned->missing;
    const bool onCluster = connection.topology() == RedisClient::Topology::Cluster;

    // The streams by the node that listed them, asked one node at a time so that a node lost
    // while the doctor runs is named in the report and the others are still examined.
    QList<QPair<QString, QList<QByteArray>>> byNode;
    QHash<QString, qsizetype> at;
    for (const MissingNode &m : report.missing)
        at.insert(m.endpoint, -1); // its SCAN broke off: already named as missing
    for (const QByteArray &name : scanned->names) {
        const QString node = scanned->nodeOf.value(name);
        auto it = at.constFind(node);
        if (it == at.cend()) {
            it = at.insert(node, byNode.size());
            byNode.append({node, {}});
        }
        if (*it >= 0)
            byNode[*it].second.append(name);
    }
    const QList<RedisClient::Node> nodes = connection.nodes();
    auto lose = [&](qsizetype i, const Error &e) {
        QString slots;
        for (const RedisClient::Node &n : nodes)
            if (n.endpoint == byNode.at(i).first)
                slots = slotRangesText(n.slotRanges);
        report.missing.append({byNode.at(i).first, slots, e.message});
        byNode.removeAt(i);
    };

    // One node's streams, in bounded pipelines of a few hundred streams per round trip.
    auto sampleNode = [&](const QList<QByteArray> &names) -> Result<StreamStatusList> {
        StreamStatusList all;
        constexpr qsizetype chunk = 250;
        for (qsizetype i = 0; i < names.size(); i += chunk) {
            // A stream the user may not read is kept (noAccess), to be reported, not dropped.
            auto part = fetchStreamStatus(connection, names.mid(i, chunk), version, true);
            if (!part.ok())
                return part.error();
            all.append(part.value());
        }
        return all;
    };
    // Every node's streams; on a cluster a node that fails now drops out, named.
    auto sample = [&]() -> Result<StreamStatusList> {
        StreamStatusList all;
        for (qsizetype i = 0; i < byNode.size();) {
            auto part = sampleNode(byNode.at(i).second);
            if (!part.ok()) {
                if (!onCluster || isPermissionRefusal(part.error()))
                    return part.error(); // a refusal is the same on every node
                lose(i, part.error());
                continue;
            }
            all.append(part.value());
            ++i;
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
    // The last sample and the pending entries the rules need, node by node.
    for (qsizetype i = 0; i < byNode.size();) {
        auto now = sampleNode(byNode.at(i).second);
        Result<QHash<QByteArray, PendingSample>> pending = QHash<QByteArray, PendingSample>();
        if (now.ok())
            pending = fetchPendingSamples(connection, now.value(), options);
        if (!now.ok() || !pending.ok()) {
            const Error e = now.ok() ? pending.error() : now.error();
            if (!onCluster || isPermissionRefusal(e))
                return e;
            lose(i, e);
            continue;
        }
        for (const StreamStatus &s : now.value()) {
            DoctorReport::Stream stream{s.info, {}};
            stream.info.node = byNode.at(i).first; // the node that listed it
            for (const GroupStatus &g : s.groups) {
                const QByteArray key = groupKey(s.info.name, g.name);
                stream.groups.append({g, evaluateGroup(s.info, g, history.value(key),
                                                       pending->value(key), options)});
            }
            report.streams.append(std::move(stream));
        }
        ++i;
    }
    std::sort(report.streams.begin(), report.streams.end(),
              [](const DoctorReport::Stream &a, const DoctorReport::Stream &b) {
                  return a.info.name < b.info.name;
              });
    return report;
}

QJsonObject doctorReportJson(const DoctorReport &report) {
    QJsonArray streams;
    for (const DoctorReport::Stream &s : report.streams) {
        QJsonArray groups;
        for (const DoctorReport::Group &g : s.groups) {
            QJsonArray findings;
            for (const Finding &f : g.findings) {
                QJsonObject o{{QStringLiteral("kind"), f.kind},
                              {QStringLiteral("severity"), severityName(f.severity)},
                              {QStringLiteral("message"), f.message}};
                if (!f.consumer.isEmpty())
                    o.insert(QStringLiteral("consumer"), valueformat::displayText(f.consumer));
                if (f.entryId)
                    o.insert(QStringLiteral("entry_id"), f.entryId->toString());
                if (f.count)
                    o.insert(QStringLiteral("count"), double(*f.count));
                if (f.atMost)
                    o.insert(QStringLiteral("count_at_most"), double(*f.atMost));
                if (f.idleMs)
                    o.insert(QStringLiteral("idle_ms"), double(*f.idleMs));
                if (f.deliveries)
                    o.insert(QStringLiteral("deliveries"), double(*f.deliveries));
                if (!f.rules.isEmpty()) {
                    o.insert(QStringLiteral("rules"), QJsonArray::fromStringList(f.rules));
                    o.insert(QStringLiteral("reason"), f.reason);
                }
                findings.append(o);
            }
            QJsonArray consumers;
            for (const ConsumerStatus &cs : g.status.consumerList)
                consumers.append(
                    QJsonObject{{QStringLiteral("name"), valueformat::displayText(cs.name)},
                                {QStringLiteral("pending"), cs.pending},
                                {QStringLiteral("idle_ms"), cs.idleMs},
                                {QStringLiteral("inactive_ms"), optionalNumber(cs.inactiveMs)}});
            groups.append(QJsonObject{
                {QStringLiteral("name"), valueformat::displayText(g.status.name)},
                {QStringLiteral("consumers"), g.status.consumers},
                {QStringLiteral("pending"), g.status.pending},
                {QStringLiteral("last_delivered_id"), g.status.lastDeliveredId.toString()},
                {QStringLiteral("entries_read"), optionalNumber(g.status.entriesRead)},
                {QStringLiteral("lag"), optionalNumber(g.status.lag)},
                {QStringLiteral("lag_estimated"), g.status.lagEstimated},
                {QStringLiteral("time_lag_ms"), optionalNumber(timeLag(g.status))},
                {QStringLiteral("time_lag_unknown"), g.status.timeLagUnknown},
                {QStringLiteral("status"), severityName(worstOf(g.findings))},
                {QStringLiteral("findings"), findings},
                {QStringLiteral("consumers_detail"), consumers}});
        }
        if (!s.info.noAccess.isEmpty()) { // not examined: the user may not read it
            streams.append(QJsonObject{
                {QStringLiteral("name"), valueformat::displayText(s.info.name)},
                {QStringLiteral("node"), s.info.node},
                {QStringLiteral("slot"), s.info.slot >= 0 ? QJsonValue(s.info.slot) : QJsonValue()},
                {QStringLiteral("no_access"), s.info.noAccess}});
            continue;
        }
        streams.append(QJsonObject{
            {QStringLiteral("name"), valueformat::displayText(s.info.name)},
            {QStringLiteral("node"), s.info.node},
            {QStringLiteral("slot"), s.info.slot >= 0 ? QJsonValue(s.info.slot) : QJsonValue()},
            {QStringLiteral("length"), s.info.length},
            {QStringLiteral("first_id"),
             s.info.firstEntryId ? QJsonValue(s.info.firstEntryId->toString()) : QJsonValue()},
            {QStringLiteral("last_id"),
             s.info.lastEntryId ? QJsonValue(s.info.lastEntryId->toString()) : QJsonValue()},
            {QStringLiteral("groups"), groups}});
    }
    QJsonArray missing;
    for (const MissingNode &m : report.missing)
        missing.append(QJsonObject{{QStringLiteral("node"), m.endpoint},
                                   {QStringLiteral("slots"), m.slots},
                                   {QStringLiteral("reason"), m.reason}});
    QJsonArray notEvaluated;
    for (const DoctorReport::NotEvaluated &n : report.notEvaluated())
        notEvaluated.append(
            QJsonObject{{QStringLiteral("rules"), QJsonArray::fromStringList(n.rules)},
                        {QStringLiteral("reason"), n.reason},
                        {QStringLiteral("groups"), n.groups}});
    QJsonObject server{{QStringLiteral("version"), report.version},
                       {QStringLiteral("mode"), report.mode}};
    if (!report.versionUnknown.isEmpty()) {
        server.insert(QStringLiteral("version"), QJsonValue());
        server.insert(QStringLiteral("mode"), QJsonValue());
        server.insert(QStringLiteral("unknown_reason"), report.versionUnknown);
    }
    QJsonObject out{{QStringLiteral("server"), server},
                    {QStringLiteral("streams"), streams},
                    {QStringLiteral("missing"), missing},
                    {QStringLiteral("not_evaluated"), notEvaluated},
                    {QStringLiteral("partial"), report.partial()}};
    // Only when it happens (more streams match than were examined), so that the usual shape
    // stays as it was.
    if (report.truncated)
        out.insert(QStringLiteral("truncated"), true);
    return out;
}

} // namespace streamscope
