import {createContext, type ReactNode, useContext, useEffect, useState} from 'react';

const ClockContext = createContext<() => number>(Date.now);

/** Replaces the clock (tests pin it, so a countdown reads the same on every run). */
export function ClockProvider({now, children}: {now: () => number; children: ReactNode}) {
  return <ClockContext.Provider value={now}>{children}</ClockContext.Provider>;
}

/** The current time, re-read every `everyMs` while mounted: only the component showing a countdown re-renders. */
export function useNow(everyMs = 1000): number {
  const clock = useContext(ClockContext);
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const t = setInterval(() => setNow(clock()), everyMs);
    return () => clearInterval(t);
  }, [clock, everyMs]);
  return now;
}
