#include "PaymentService.h"

#include "Version.h"

#include <QCoreApplication>

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("payment-service"));
    QCoreApplication::setApplicationVersion(streamscope::streamscopeVersion());
    return streamscope::shop::runPaymentService(QCoreApplication::arguments());
}
