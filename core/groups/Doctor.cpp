#include "Doctor.h"

#include <QDateTime>
#include <QThread>

#include <algorithm>

namespace streamscope {

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
    return !missing.isEmpty() || forbiddenStreams() > 0 || !notEvaluated().isEmpty();
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

} // namespace streamscope
