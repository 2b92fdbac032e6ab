#pragma once

#include "Health.h"

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
    QList<Stream> streams;
    bool truncated = false;
    MissingNodeList missing; // nodes not examined: the report is partial (exit 3)
    int findingCount() const;
};

// Evaluates every stream matching pattern: SCAN, then pipelined status (and, with a window,
// one more sample a second for that many seconds), pending samples and the health rules.
Result<DoctorReport> runDoctor(RedisClient &connection, const QByteArray &pattern,
                               const HealthOptions &options,
                               const std::atomic<bool> *cancel = nullptr);

} // namespace streamscope
