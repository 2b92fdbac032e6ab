#include "PaymentService.h"

#include "Version.h"

#include <QCoreApplication>

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("notification-service"));
    QCoreApplication::setApplicationVersion(streamscope::streamscopeVersion());
    return streamscope::shop::runNotificationService(QCoreApplication::arguments());
}
