#include "Version.h"

#include "StreamScopeCommit.h"
#include "StreamScopeLayout.h"

namespace streamscope {

QString streamscopeVersion() {
    return QStringLiteral(STREAMSCOPE_VERSION " (git " STREAMSCOPE_GIT_COMMIT ")");
}

QString streamscopeCommit() {
    return QStringLiteral(STREAMSCOPE_GIT_COMMIT);
}

QString versionLine(const QString &program) {
    return program + QLatin1Char(' ') + streamscopeVersion() + QLatin1Char('\n');
}

QString servicesDirFromBin() {
    return QStringLiteral(STREAMSCOPE_SERVICES_FROM_BIN);
}

} // namespace streamscope
