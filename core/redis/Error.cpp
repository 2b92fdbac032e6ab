#include "Error.h"

namespace streamscope {

QString Error::kindName(Kind kind) {
    switch (kind) {
    case Kind::None:
        return QStringLiteral("none");
    case Kind::InvalidArgument:
        return QStringLiteral("invalid argument");
    case Kind::Connect:
        return QStringLiteral("connection failed");
    case Kind::Auth:
        return QStringLiteral("authentication failed");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Io:
        return QStringLiteral("connection lost");
    case Kind::Protocol:
        return QStringLiteral("protocol error");
    case Kind::Server:
        return QStringLiteral("server error");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    case Kind::Tls:
        return QStringLiteral("TLS refused");
    case Kind::HostKey:
        return QStringLiteral("SSH host key not trusted");
    case Kind::ReadOnly:
        return QStringLiteral("refused in read-only mode");
    }
    return {};
}

} // namespace streamscope
