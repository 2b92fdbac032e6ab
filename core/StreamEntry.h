#pragma once

#include "RedisReply.h"
#include "StreamId.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>

namespace streamscope {

// One stream entry, as it crosses from the reader thread to models: a value whose byte arrays
// are implicitly shared, so batches copy cheaply.
struct StreamEntry {
    QByteArray stream;
    StreamId id;
    QList<QByteArray> fields; // name, value, name, value, ...
    bool deleted = false;     // a pending entry whose body is gone (XREADGROUP history, XCLAIM)

    qsizetype fieldCount() const { return fields.size() / 2; }
    const QByteArray &fieldName(qsizetype i) const { return fields.at(2 * i); }
    const QByteArray &fieldValue(qsizetype i) const { return fields.at(2 * i + 1); }
    // The value of the first field called name, or a null QByteArray.
    QByteArray value(const QByteArray &name) const;
    qsizetype byteSize() const;
};

using StreamEntryList = QList<StreamEntry>;

// Parses [[id, [f, v, ...]], ...] (XRANGE, XREVRANGE, one stream of XREAD) into out.
// Returns false when the reply has another shape.
bool appendEntries(RedisReply &&entries, const QByteArray &stream, StreamEntryList *out);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamEntry)
Q_DECLARE_METATYPE(streamscope::StreamEntryList)
