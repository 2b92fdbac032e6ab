// CLIENT LIST, as the service map reads it: the parser, the client-name convention and which
// last commands may have added to a stream.

#include "ServiceMap.h"

namespace streamscope {

ClientRole clientRole(const QByteArray &clientName) {
    ClientRole role;
    QByteArray left = clientName;
    if (const qsizetype arrow = clientName.indexOf('>'); arrow >= 0) {
        left = clientName.left(arrow);
        for (const QByteArray &stream : clientName.mid(arrow + 1).split(','))
            if (!stream.isEmpty() && !role.declaredStreams.contains(stream))
                role.declaredStreams.append(stream);
    }
    if (const qsizetype colon = left.indexOf(':'); colon >= 0) {
        role.service = left.left(colon);
        role.instance = left.mid(colon + 1);
    } else {
        role.service = left;
    }
    return role;
}

bool isStreamScopeClient(const QByteArray &clientName) {
    return clientName.startsWith("streamscope");
}

bool mayAddToStream(const QByteArray &command) {
    // The read-only script forms (eval_ro, evalsha_ro, fcall_ro) cannot write.
    return command == "xadd" || command == "eval" || command == "evalsha" || command == "fcall"
           || command == "exec";
}

ClientSample parseClientList(const QByteArray &reply, int maxClients, qint64 atMs) {
    ClientSample sample;
    sample.atMs = atMs;
    qsizetype at = 0;
    while (at < reply.size()) {
        qsizetype end = reply.indexOf('\n', at);
        if (end < 0)
            end = reply.size();
        const QByteArray line = reply.mid(at, end - at).trimmed();
        at = end + 1;
        if (line.isEmpty())
            continue;
        if (sample.clients.size() >= maxClients) {
            sample.truncated = true;
            break;
        }
        ClientInfo c;
        bool hasId = false;
        // Fields are "key=value" separated by spaces; a client name cannot hold a space.
        for (const QByteArray &field : line.split(' ')) {
            const qsizetype eq = field.indexOf('=');
            if (eq <= 0)
                continue;
            const QByteArray key = field.left(eq);
            const QByteArray value = field.mid(eq + 1);
            if (key == "id")
                c.id = value.toLongLong(&hasId);
            else if (key == "name")
                c.name = value;
            else if (key == "cmd")
                c.cmd = value.toLower();
            else if (key == "idle")
                c.idleSeconds = value.toLongLong();
            else if (key == "age")
                c.ageSeconds = value.toLongLong();
            else if (key == "addr")
                c.addr = value;
        }
        if (hasId)
            sample.clients.append(c);
    }
    return sample;
}

} // namespace streamscope
