#pragma once

#include "GroupStatus.h"

#include <QMetaType>

namespace streamscope {

struct TrimSpec {
    enum class Mode { MaxLen, MinId };
    Mode mode = Mode::MaxLen;
    qint64 maxLen = 0;        // MaxLen: entries to keep
    StreamId minId;           // MinId: entries older than this go
    bool approximate = false; // '~': the server may keep more (cheaper)
    Command command(const QByteArray &stream) const;
};

// What an XTRIM would do, worked out before it is sent: how many entries go, the new first
// entry, and which groups would lose entries they have not been delivered yet.
struct TrimPreview {
    qint64 length = 0;
    qint64 removed = 0;         // exact when removedIsExact
    bool removedIsExact = true; // false: "at least" (MINID beyond the counting bound)
    std::optional<StreamId> newFirstId;
    struct GroupLoss {
        QByteArray group;
        std::optional<qint64> unreadLost; // when the lag says how many
    };
    QList<GroupLoss> groupsLosingUnread;
    QList<QByteArray> safeGroups;
    QString describe(const QByteArray &stream, bool approximate) const;
};

// Reads are bounded (a few thousand entries at most), never the whole stream.
Result<TrimPreview> previewTrim(RedisClient &connection, const QByteArray &stream,
                                const TrimSpec &spec, int serverVersion);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::TrimSpec)
Q_DECLARE_METATYPE(streamscope::TrimPreview)
