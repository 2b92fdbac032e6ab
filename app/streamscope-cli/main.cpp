#include "cli/Cli.h"

#include "Version.h"

#include <QCoreApplication>

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("streamscope-cli"));
    QCoreApplication::setApplicationVersion(streamscope::streamscopeVersion());
    return streamscope::cli::run(QCoreApplication::arguments());
}
