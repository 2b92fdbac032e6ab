#include "StreamEntry.h"

namespace streamscope {

QByteArray StreamEntry::value(const QByteArray &name) const {
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2)
        if (fields.at(i) == name)
            return fields.at(i + 1);
    return {};
}

qsizetype StreamEntry::byteSize() const {
    qsizetype total = 0;
    for (const QByteArray &f : fields)
        total += f.size();
    return total;
}

bool appendEntries(RedisReply &&entries, const QByteArray &stream, StreamEntryList *out) {
    if (!entries.isArray())
        return false;
    out->reserve(out->size() + qsizetype(entries.size()));
    for (RedisReply &item : entries.elements()) {
        if (!item.isArray() || item.size() != 2 || !item.at(0).isString())
            return false;
        StreamEntry entry;
        entry.stream = stream;
        entry.id = StreamId::fromServer(item.at(0).bytes());
        RedisReply &body = item.elements()[1];
        if (body.isNil()) {
            entry.deleted = true;
        } else if (body.isArray()) {
            entry.fields.reserve(qsizetype(body.size()));
            for (RedisReply &f : body.elements())
                entry.fields.append(std::move(f.takeBytes()));
        } else {
            return false;
        }
        out->append(std::move(entry));
    }
    return true;
}

} // namespace streamscope
