#include "interrupt.hpp"

#include <algorithm>
#include <csignal>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>

namespace gridplan::cli {

namespace {

std::mutex guarded_mutex;
std::vector<io::OutputDir*> guarded;

/// The interrupts to handle: those not ignored already (nohup ignores SIGHUP, a shell's
/// background job SIGINT), which must stay ignored.
sigset_t interrupt_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction current {};
        if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler != SIG_IGN) {
            sigaddset(&set, sig);
        }
    }
    return set;
}

} // namespace

void install_interrupt_handling() {
    const sigset_t set = interrupt_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread{[set] {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) {
            return;
        }
        {
            const std::lock_guard<std::mutex> lock{guarded_mutex};
            for (io::OutputDir* out : guarded) {
                out->abandon();
            }
        }
        // End the process by the signal itself, with its default action.
        std::signal(sig, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
        std::raise(sig);
    }}.detach();
}

OutputGuard::OutputGuard(io::OutputDir& out) : m_out(out) {
    const std::lock_guard<std::mutex> lock{guarded_mutex};
    guarded.push_back(&m_out);
}

OutputGuard::~OutputGuard() {
    const std::lock_guard<std::mutex> lock{guarded_mutex};
    guarded.erase(std::remove(guarded.begin(), guarded.end(), &m_out), guarded.end());
}

} // namespace gridplan::cli
