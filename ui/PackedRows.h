#pragma once

#include "StreamEntry.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <deque>
#include <memory>
#include <vector>

namespace streamscope {

// Stream entries packed for a table of a million rows, appended at the end and dropped at the
// front. A row costs a 32-byte header (ID, stream, where its strings are) plus its names and
// values as the server sent them (each a 4-byte length and its bytes), in chunks of 4,096 rows
// that each hold one buffer: no allocation per row, and dropping rows frees whole chunks, never
// shifting the rest. Stream names are kept once each. A StreamEntry is built only when asked
// for (entry()), as a table does for the rows it paints.
class PackedRows {
public:
    static constexpr int chunkRows = 4096;

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }

    void append(const StreamEntry &entry);
    void append(const StreamEntryList &entries);
    // Copies row of other without unpacking it.
    void append(const PackedRows &other, qsizetype row);
    // Drops the first count rows (all when count >= size()).
    void dropFront(qsizetype count);
    void clear();

    StreamEntry entry(qsizetype row) const;
    StreamId id(qsizetype row) const { return header(row).id; }
    bool isDeleted(qsizetype row) const { return header(row).strings & deletedBit; }
    // The stream's key: an index into streamNames(), the same for every row of one stream.
    quint32 streamKey(qsizetype row) const { return header(row).stream; }
    const QByteArray &stream(qsizetype row) const { return m_streams.at(header(row).stream); }
    const QList<QByteArray> &streamNames() const { return m_streams; }
    // The key of a stream name, or -1 when no row ever had it.
    qint64 keyOf(const QByteArray &stream) const { return m_streamKeys.value(stream, -1); }

    // Calls f(name, value) for each field of row, in order.
    template <typename F> void forEachField(qsizetype row, F &&f) const {
        const Chunk &c = chunkOf(row);
        const Row &r = c.rows[size_t(indexIn(row))];
        const char *p = c.bytes.data() + r.offset;
        const quint32 strings = r.strings & ~deletedBit;
        for (quint32 i = 0; i + 1 < strings; i += 2) {
            const QByteArrayView name = next(p);
            const QByteArrayView value = next(p);
            f(name, value);
        }
    }
    // The value of the first field called name in row, null when there is none.
    QByteArrayView value(qsizetype row, QByteArrayView name) const;

    // Bytes held: headers, string buffers (with their spare capacity) and the chunk list.
    qsizetype heldBytes() const;

private:
    static constexpr quint32 deletedBit = 0x80000000u;
    struct Row {
        StreamId id;
        quint32 offset = 0;  // of its first string in the chunk's buffer
        quint32 size = 0;    // bytes of its strings with their length headers
        quint32 stream = 0;  // key into m_streams
        quint32 strings = 0; // names and values; deletedBit when the body is gone
    };
    struct Chunk {
        std::vector<Row> rows;
        std::vector<char> bytes;
    };

    static QByteArrayView next(const char *&p);
    Chunk &tailChunk();
    quint32 keyFor(const QByteArray &stream);
    qsizetype indexIn(qsizetype row) const { return (row + m_skip) % chunkRows; }
    const Chunk &chunkOf(qsizetype row) const {
        return *m_chunks[size_t((row + m_skip) / chunkRows)];
    }
    const Row &header(qsizetype row) const { return chunkOf(row).rows[size_t(indexIn(row))]; }

    std::deque<std::unique_ptr<Chunk>> m_chunks;
    qsizetype m_skip = 0; // rows dropped from the first chunk
    qsizetype m_size = 0;
    QList<QByteArray> m_streams;
    QHash<QByteArray, quint32> m_streamKeys;
    // The batches of one XREAD share their stream name: most rows skip the hash lookup.
    QByteArray m_lastStream;
    quint32 m_lastKey = 0;
    size_t m_lastChunkBytes = 0; // what the previous full chunk needed, to size the next
};

} // namespace streamscope
