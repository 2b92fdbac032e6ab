#pragma once

#include "RedisReply.h"
#include "StreamId.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMetaType>

namespace streamscope {

// One stream entry, as it crosses from the reader thread to models.
//
// The field names and values are not separate allocations: every entry of one XREAD batch
// points into one shared buffer (each string stored as a 4-byte length and its bytes). That is
// one allocation per thousand entries instead of ten per entry: what lets the tail keep up with
// the server and keeps 100,000 rows in a model small. Copies share the buffer.
class StreamEntry {
public:
    QByteArray stream;
    StreamId id;
    bool deleted = false; // a pending entry whose body is gone (XREADGROUP history, XCLAIM)

    StreamEntry() = default;
    // For building entries by hand (tests, publishing, XCLAIM replies).
    static StreamEntry make(const QByteArray &stream, StreamId id,
                            const QList<QByteArray> &namesAndValues);

    qsizetype fieldCount() const { return m_strings / 2; }
    QByteArrayView fieldName(qsizetype i) const { return string(2 * i); }
    QByteArrayView fieldValue(qsizetype i) const { return string(2 * i + 1); }
    // The value of the first field called name, or a null QByteArray.
    QByteArray value(QByteArrayView name) const;
    // name, value, name, value, ... as separate byte arrays (copies).
    QList<QByteArray> fields() const;
    // Calls f(name, value) for each field in order, without walking from the start each time.
    template <typename F> void forEachField(F &&f) const {
        qsizetype pos = m_offset;
        for (qsizetype i = 0; i + 1 < m_strings; i += 2) {
            const QByteArrayView name = at(pos);
            const QByteArrayView value = at(pos);
            f(name, value);
        }
    }
    qsizetype byteSize() const { return m_size; } // bytes of names and values with headers

private:
    friend class EntryBuilder;
    QByteArrayView string(qsizetype index) const;
    QByteArrayView at(qsizetype &pos) const; // reads the string at pos and moves past it

    QByteArray m_buffer; // shared by the entries of one batch
    qsizetype m_offset = 0;
    qsizetype m_size = 0;
    qint32 m_strings = 0;
};

using StreamEntryList = QList<StreamEntry>;

// Appends entries to a batch: the strings go into one buffer that the entries share once the
// batch is finished. Used by the reply parser's entries mode and by make().
class EntryBuilder {
public:
    explicit EntryBuilder(StreamEntryList *out)
        : m_out(out) {}
    void beginEntry(const QByteArray &stream, StreamId id);
    void markDeleted();
    void appendString(const char *data, qsizetype size);
    // Hands the buffer to every entry added since the builder was made.
    void finish();

private:
    StreamEntryList *m_out;
    QByteArray m_buffer;
    qsizetype m_first = -1; // index in *m_out of the first entry of this batch
};

// Parses [[id, [f, v, ...]], ...] (XRANGE, XREVRANGE, XCLAIM, one stream of XREAD) into out.
// Returns false when the reply has another shape.
bool appendEntries(const RedisReply &entries, const QByteArray &stream, StreamEntryList *out);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamEntry)
Q_DECLARE_METATYPE(streamscope::StreamEntryList)
