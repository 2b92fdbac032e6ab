#include "SshTunnel.h"

namespace streamscope {

Result<ConnectionSettings::HostPort> sshLocalForward(const ConnectionSettings::Ssh &ssh,
                                                     const QString &, quint16, int,
                                                     const std::atomic<bool> *) {
    return Error(Error::Kind::Connect,
                 QStringLiteral("SSH tunnels (to %1) are not built yet").arg(ssh.host));
}

} // namespace streamscope
