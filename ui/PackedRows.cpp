#include "PackedRows.h"

#include <cstring>

namespace streamscope {

namespace {
constexpr qsizetype lengthSize = sizeof(quint32);
}

QByteArrayView PackedRows::next(const char *&p) {
    quint32 len = 0;
    std::memcpy(&len, p, lengthSize);
    const QByteArrayView view(p + lengthSize, qsizetype(len));
    p += lengthSize + qsizetype(len);
    return view;
}

PackedRows::Chunk &PackedRows::tailChunk() {
    if (m_chunks.empty() || m_chunks.back()->rows.size() == size_t(chunkRows)) {
        if (!m_chunks.empty()) {
            // A full chunk gives back what its buffer reserved beyond its rows.
            std::vector<char> &done = m_chunks.back()->bytes;
            m_lastChunkBytes = done.size();
            done.shrink_to_fit();
        }
        auto chunk = std::make_unique<Chunk>();
        chunk->rows.reserve(chunkRows);
        chunk->bytes.reserve(m_lastChunkBytes + m_lastChunkBytes / 16);
        m_chunks.push_back(std::move(chunk));
    }
    return *m_chunks.back();
}

quint32 PackedRows::keyFor(const QByteArray &stream) {
    if (!m_streams.isEmpty()
        && (stream.constData() == m_lastStream.constData() || stream == m_lastStream))
        return m_lastKey;
    auto it = m_streamKeys.constFind(stream);
    if (it == m_streamKeys.constEnd()) {
        it = m_streamKeys.insert(stream, quint32(m_streams.size()));
        m_streams.append(stream);
    }
    m_lastStream = stream;
    m_lastKey = it.value();
    return m_lastKey;
}

void PackedRows::append(const StreamEntry &entry) {
    Chunk &c = tailChunk();
    Row r;
    r.id = entry.id;
    r.stream = keyFor(entry.stream);
    r.offset = quint32(c.bytes.size());
    const qsizetype fields = entry.fieldCount();
    if (fields > 0) {
        // A StreamEntry keeps its strings the same way (a 4-byte length and the bytes, one after
        // the other, see StreamEntry.h): one copy from the first length header takes them all.
        // With a backlog of queued batches the GUI thread packs them back to back; this keeps
        // that at one memcpy an entry.
        const char *first = entry.fieldName(0).data() - lengthSize;
        const QByteArrayView last = entry.fieldValue(fields - 1);
        const char *end = last.data() + last.size();
        c.bytes.insert(c.bytes.end(), first, end);
        r.size = quint32(end - first);
    }
    r.strings = quint32(2 * fields) | (entry.deleted ? deletedBit : 0);
    c.rows.push_back(r);
    ++m_size;
}

void PackedRows::append(const StreamEntryList &entries) {
    for (const StreamEntry &e : entries)
        append(e);
}

void PackedRows::append(const PackedRows &other, qsizetype row) {
    const Chunk &from = other.chunkOf(row);
    Row r = from.rows[size_t(other.indexIn(row))];
    Chunk &c = tailChunk();
    const char *bytes = from.bytes.data() + r.offset;
    r.stream = keyFor(other.m_streams.at(r.stream));
    r.offset = quint32(c.bytes.size());
    c.bytes.insert(c.bytes.end(), bytes, bytes + r.size);
    c.rows.push_back(r);
    ++m_size;
}

void PackedRows::dropFront(qsizetype count) {
    if (count >= m_size) {
        // Keeps the stream names: rows to come are most likely of the same streams.
        m_chunks.clear();
        m_skip = 0;
        m_size = 0;
        return;
    }
    if (count <= 0)
        return;
    m_skip += count;
    m_size -= count;
    while (m_skip >= chunkRows) {
        m_chunks.pop_front();
        m_skip -= chunkRows;
    }
}

void PackedRows::clear() {
    m_chunks.clear();
    m_skip = 0;
    m_size = 0;
    m_streams.clear();
    m_streamKeys.clear();
    m_lastStream.clear();
    m_lastKey = 0;
}

StreamEntry PackedRows::entry(qsizetype row) const {
    StreamEntryList one;
    EntryBuilder builder(&one);
    builder.beginEntry(stream(row), id(row));
    if (isDeleted(row))
        builder.markDeleted();
    forEachField(row, [&](QByteArrayView name, QByteArrayView value) {
        builder.appendString(name.data(), name.size());
        builder.appendString(value.data(), value.size());
    });
    builder.finish();
    return one.takeFirst();
}

QByteArrayView PackedRows::value(qsizetype row, QByteArrayView name) const {
    // The live table's search runs this on every row: it stops at the field, and compares the
    // length before the bytes.
    const Chunk &c = chunkOf(row);
    const Row &r = c.rows[size_t(indexIn(row))];
    const char *p = c.bytes.data() + r.offset;
    const quint32 strings = r.strings & ~deletedBit;
    for (quint32 i = 0; i + 1 < strings; i += 2) {
        quint32 len = 0;
        std::memcpy(&len, p, lengthSize);
        const char *n = p + lengthSize;
        p = n + len;
        quint32 valueLen = 0;
        std::memcpy(&valueLen, p, lengthSize);
        if (qsizetype(len) == name.size() && std::memcmp(n, name.data(), len) == 0)
            return QByteArrayView(p + lengthSize, qsizetype(valueLen));
        p += lengthSize + valueLen;
    }
    return {};
}

qsizetype PackedRows::heldBytes() const {
    qsizetype bytes = qsizetype(m_chunks.size() * sizeof(void *));
    for (const auto &c : m_chunks)
        bytes += qsizetype(sizeof(Chunk) + c->rows.capacity() * sizeof(Row) + c->bytes.capacity());
    return bytes;
}

} // namespace streamscope
