#include "StreamPaging.h"

#include <limits>

namespace streamscope {

PageStart PageStart::atTime(qint64 msSinceEpoch) {
    return atOrBefore(
        {quint64(qMax<qint64>(0, msSinceEpoch)), std::numeric_limits<quint64>::max()});
}

Result<StreamEntryList> fetchHistoryPage(RedisConnection &connection, const QByteArray &stream,
                                         const PageStart &start, int count) {
    QByteArray end = "+";
    switch (start.kind) {
    case PageStart::Kind::Newest:
        break;
    case PageStart::Kind::OlderThan:
        if (start.id.isZero())
            return StreamEntryList(); // nothing is older than 0-0
        end = start.id.predecessor().toByteArray();
        break;
    case PageStart::Kind::AtOrBefore:
        end = start.id.toByteArray();
        break;
    }
    StreamEntryList entries;
    auto reply = connection.commandEntries(
        {"XREVRANGE", stream, end, "-", "COUNT", QByteArray::number(count)}, 0, &entries, -1,
        stream);
    if (!reply.ok())
        return reply.error();
    if (reply->isError())
        return Error(
            Error::Kind::Server,
            QStringLiteral("reading %1: %2").arg(QString::fromUtf8(stream), reply->errorMessage()));
    return entries;
}

} // namespace streamscope
