#include "StreamEntry.h"

#include <cstring>

namespace streamscope {

namespace {
constexpr qsizetype headerSize = sizeof(quint32);
}

QByteArrayView StreamEntry::at(qsizetype &pos) const {
    quint32 len = 0;
    std::memcpy(&len, m_buffer.constData() + pos, headerSize);
    const QByteArrayView view(m_buffer.constData() + pos + headerSize, qsizetype(len));
    pos += headerSize + qsizetype(len);
    return view;
}

QByteArrayView StreamEntry::string(qsizetype index) const {
    if (index < 0 || index >= m_strings)
        return {};
    qsizetype pos = m_offset;
    for (qsizetype i = 0; i < index; ++i)
        at(pos);
    return at(pos);
}

QByteArray StreamEntry::value(QByteArrayView name) const {
    QByteArray result;
    bool found = false;
    forEachField([&](QByteArrayView n, QByteArrayView v) {
        if (!found && n == name) {
            result = v.toByteArray();
            found = true;
        }
    });
    return result;
}

QList<QByteArray> StreamEntry::fields() const {
    QList<QByteArray> out;
    out.reserve(m_strings);
    forEachField([&](QByteArrayView n, QByteArrayView v) {
        out.append(n.toByteArray());
        out.append(v.toByteArray());
    });
    return out;
}

StreamEntry StreamEntry::make(const QByteArray &stream, StreamId id,
                              const QList<QByteArray> &namesAndValues) {
    StreamEntryList one;
    EntryBuilder builder(&one);
    builder.beginEntry(stream, id);
    for (const QByteArray &s : namesAndValues)
        builder.appendString(s.constData(), s.size());
    builder.finish();
    return one.takeFirst();
}

void EntryBuilder::beginEntry(const QByteArray &stream, StreamId id) {
    if (m_first < 0)
        m_first = m_out->size();
    StreamEntry e;
    e.stream = stream;
    e.id = id;
    e.m_offset = m_buffer.size();
    m_out->append(std::move(e));
}

void EntryBuilder::markDeleted() {
    m_out->last().deleted = true;
}

void EntryBuilder::appendString(const char *data, qsizetype size) {
    const quint32 len = quint32(size);
    // Written in place (QByteArray::append costs about 200 instructions a call here).
    const qsizetype at = m_buffer.size();
    if (m_buffer.capacity() < at + headerSize + size)
        m_buffer.reserve(qMax(at + headerSize + size, 2 * m_buffer.capacity()));
    m_buffer.resize(at + headerSize + size);
    std::memcpy(m_buffer.data() + at, &len, headerSize);
    std::memcpy(m_buffer.data() + at + headerSize, data, size_t(size));
    StreamEntry &e = m_out->last();
    ++e.m_strings;
    e.m_size += headerSize + size;
}

void EntryBuilder::finish() {
    if (m_first < 0)
        return;
    for (qsizetype i = m_first; i < m_out->size(); ++i)
        (*m_out)[i].m_buffer = m_buffer;
    m_buffer = QByteArray();
    m_first = -1;
}

bool appendEntries(const RedisReply &entries, const QByteArray &stream, StreamEntryList *out) {
    if (!entries.isArray())
        return false;
    out->reserve(out->size() + qsizetype(entries.size()));
    EntryBuilder builder(out);
    bool ok = true;
    for (const RedisReply &item : entries.elements()) {
        if (!item.isArray() || item.size() != 2 || !item.at(0).isString()) {
            ok = false;
            break;
        }
        builder.beginEntry(stream, StreamId::fromServer(item.at(0).bytes()));
        const RedisReply &body = item.at(1);
        if (body.isNil()) {
            builder.markDeleted();
        } else if (body.isArray()) {
            for (const RedisReply &f : body.elements()) {
                const QByteArray bytes = f.bytes();
                builder.appendString(bytes.constData(), bytes.size());
            }
        } else {
            ok = false;
            break;
        }
    }
    builder.finish();
    return ok;
}

} // namespace streamscope
