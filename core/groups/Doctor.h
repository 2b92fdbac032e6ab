#pragma once

#include "Health.h"

#include <QJsonObject>

#include <atomic>

namespace streamscope {

// Everything `doctor` knows: each stream's groups with their findings.
struct DoctorReport {
    struct Group {
        GroupStatus status;
        FindingList findings;
    };
    struct Stream {
        StreamInfo info;
        QList<Group> groups;
    };
    QString version;
    QString mode;
    QString versionUnknown; // why version and mode are empty ("no permission: ... +info ...")
    // Every stream, with a stream the user may not read (info.noAccess set, no groups) too: it
    // was not examined, and the report is partial.
    QList<Stream> streams;
    bool truncated = false;  // more streams match than were examined: partial (exit 3)
    MissingNodeList missing; // nodes not examined: the report is partial (exit 3)
    // Problems found (not-evaluated findings are not problems: see notEvaluated()).
    int findingCount() const;
    // The rules not evaluated and why (the user may not run XPENDING or XRANGE), one per
    // reason: "stuck-entry, poison-entry, dangling-pending" for N groups.
    struct NotEvaluated {
        QStringList rules;
        QString reason;
        int groups = 0;
    };
    QList<NotEvaluated> notEvaluated() const;
    int forbiddenStreams() const;
    // Something was not examined: a node, a stream the user may not read, a rule, or streams
    // beyond the limit (truncated).
    bool partial() const;
};

// Streams asked for per round trip. With 3 groups a stream takes about 9 commands (XINFO
// STREAM and GROUPS; per group XINFO CONSUMERS where it has consumers, the XPENDING summary
// where entries are pending, the first undelivered entry where there is one; the two pending
// samples of a group with pending entries): a chunk is about 9,000 commands in 3-4 pipelines,
// 1-2 MB of replies and 15-20 ms of the server's CPU in all (bench_doctor). Redis serves its
// other clients between the reads of a pipeline, so a chunk delays them little; the bound keeps
// the server's output buffer and the replies we hold small, and at 1,000 the round trips
// (40 for 10,000 streams) are a small part of the time (250 measured the same).
constexpr int doctorChunkStreams = 1000;

// Evaluates every stream matching pattern: SCAN, then pipelined status (and, with a window,
// one more sample a second for that many seconds), pending samples and the health rules.
Result<DoctorReport> runDoctor(RedisClient &connection, const QByteArray &pattern,
                               const HealthOptions &options,
                               const std::atomic<bool> *cancel = nullptr);

// The report as `doctor --json` prints it (and `serve` serves it on /health): server, streams
// with their groups, findings and consumers, missing nodes, rules not evaluated, partial.
QJsonObject doctorReportJson(const DoctorReport &report);
// The same report as compact JSON text, byte for byte what
// QJsonDocument(doctorReportJson(report)).toJson(QJsonDocument::Compact) gives, written
// directly (no QJsonObject tree: that tree and its serialisation took about 30% of
// `doctor --json`'s CPU time at 10,000 streams). Keep the two in step (tst_health checks it).
QByteArray doctorReportJsonText(const DoctorReport &report);

} // namespace streamscope
